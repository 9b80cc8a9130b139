import EventLoop
import HTTP

/// An `HTTPClient` on its own loop thread, driven from async tests.
package final class TestClient: Sendable, Stoppable {
    package let thread: EventLoopThread
    package let client: LoopBound<HTTPClient>

    private init(thread: EventLoopThread, client: LoopBound<HTTPClient>) {
        self.thread = thread
        self.client = client
    }

    package static func start(configuration: HTTPClient.Configuration = .init()) async throws -> TestClient {
        let thread = try await EventLoopThread.start(name: "test-client")
        let client = try await thread.loop.submit { loop in
            LoopBound(try HTTPClient(loop: loop, configuration: configuration), loop: loop)
        }
        return TestClient(thread: thread, client: client)
    }

    package func send(_ request: HTTPClientRequest) async -> Result<HTTPClientResponse, HTTPClientError> {
        do {
            return .success(try await client.response(for: request))
        } catch {
            return .failure(error)
        }
    }

    package func stop() async throws {
        try await thread.shutdown(grace: .seconds(2))
    }
}
