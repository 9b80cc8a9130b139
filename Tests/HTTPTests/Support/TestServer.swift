import EventLoop
import Foundation
import HTTP
import TestSupport

/// A server on its own loop thread, on 127.0.0.1 and a port picked by the kernel.
final class TestServer: Sendable, Stoppable {
    let thread: EventLoopThread
    let port: Int
    let server: LoopBound<HTTPServer>

    var loop: EventLoop { thread.loop }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(thread: EventLoopThread, port: Int, server: LoopBound<HTTPServer>) {
        self.thread = thread
        self.port = port
        self.server = server
    }

    /// Short timeouts so hostile-input tests finish quickly; generous enough for a loaded machine.
    static func testConfiguration() -> HTTPServer.Configuration {
        var configuration = HTTPServer.Configuration()
        configuration.headerTimeout = .seconds(2)
        configuration.idleTimeout = .seconds(5)
        configuration.lingerTimeout = .seconds(1)
        configuration.maxHeaderBytes = 4096
        configuration.maxBodyBytes = 64 * 1024
        return configuration
    }

    /// `routes` runs on the loop thread and may create loop-confined helpers the handlers capture.
    static func start(
        configuration: HTTPServer.Configuration = testConfiguration(),
        routes: @escaping @Sendable (EventLoop, inout HTTPRouter) -> Void
    ) async throws -> TestServer {
        let thread = try await EventLoopThread.start(name: "test-server")
        let (port, server) = try await thread.loop.submit { loop in
            var router = HTTPRouter()
            routes(loop, &router)
            let server = try HTTPServer(loop: loop, configuration: configuration, router: router)
            return (server.port, LoopBound(server, loop: loop))
        }
        return TestServer(thread: thread, port: port, server: server)
    }

    /// Reads something about the server on its loop thread.
    func inspect<T: Sendable>(_ read: @escaping @Sendable (HTTPServer) -> T) async throws -> T {
        let server = self.server
        return try await loop.submit { _ in read(server.value) }
    }

    func stop() async throws {
        try await thread.shutdown(grace: .seconds(2))
    }
}

/// Runs blocking work (sockets, subprocesses) on a thread of its own so the cooperative pool
/// stays free.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
