import EventLoop
import Foundation
import SyncCore

/// A `TestCentral` on its own loop thread, driven from async tests.
final class CentralHandle: Sendable {
    let thread: EventLoopThread
    let central: LoopBound<TestCentral>

    private init(thread: EventLoopThread, central: LoopBound<TestCentral>) {
        self.thread = thread
        self.central = central
    }

    /// A running central; nodes are registered by `TestNode.start`.
    static func start() async throws -> CentralHandle {
        let thread = try await EventLoopThread.start(name: "test-central")
        let central = try await thread.loop.submit { loop in
            let central = TestCentral(loop: loop)
            try central.start(port: 0)
            return LoopBound(central, loop: loop)
        }
        return CentralHandle(thread: thread, central: central)
    }

    func with<Value: Sendable>(_ body: @escaping @Sendable (TestCentral) throws -> Value) async throws -> Value {
        let central = self.central
        return try await thread.loop.submit { _ in try body(central.value) }
    }

    var url: String { get async throws { try await with { $0.url } } }

    func stop() async throws {
        try await thread.shutdown(grace: .seconds(5))
    }
}
