import EventLoop
import Foundation
import SyncCore
import TestSupport

/// A `TestCentral` on its own loop thread, driven from async tests.
final class CentralHandle: Sendable, Stoppable {
    let thread: EventLoopThread
    let central: LoopBound<TestCentral>
    /// Wakes waiters after each push central answered.
    let events: DaemonEvents

    private init(thread: EventLoopThread, central: LoopBound<TestCentral>, events: DaemonEvents) {
        self.thread = thread
        self.central = central
        self.events = events
    }

    /// A running central; nodes are registered by `TestNode.start`.
    static func start() async throws -> CentralHandle {
        let thread = try await EventLoopThread.start(name: "test-central")
        let events = DaemonEvents()
        let central = try await thread.loop.submit { loop in
            let central = TestCentral(loop: loop)
            central.onActivity = { events.record(.cycle(succeeded: true)) }
            try central.start(port: 0)
            return LoopBound(central, loop: loop)
        }
        return CentralHandle(thread: thread, central: central, events: events)
    }

    func with<Value: Sendable>(_ body: @escaping @Sendable (TestCentral) throws -> Value) async throws -> Value {
        let central = self.central
        return try await thread.loop.submit { _ in try body(central.value) }
    }

    /// Waits until central reaches a state, re-checking after each push it answers.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(30),
        _ condition: @escaping @Sendable (TestCentral) -> Bool
    ) async throws {
        try await events.waitUntil(what, timeout: timeout) { try await self.with(condition) }
    }

    var url: String { get async throws { try await with { $0.url } } }

    func stop() async throws {
        try await thread.shutdown(grace: .seconds(5))
    }
}
