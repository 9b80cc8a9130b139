import EventLoop
import Foundation
import HTTP
import Synchronization
import TestSupport

/// Talks to a node's local API from async tests: an `HTTPClient` on its own loop thread. With a
/// `token`, every request carries it as `Authorization: Bearer` (unless it sets its own).
final class APIClient: Sendable, Stoppable {
    let thread: EventLoopThread
    let client: LoopBound<HTTPClient>
    let baseURL: String
    let token: String?

    private init(thread: EventLoopThread, client: LoopBound<HTTPClient>, baseURL: String, token: String?) {
        self.thread = thread
        self.client = client
        self.baseURL = baseURL
        self.token = token
    }

    static func start(baseURL: String, token: String? = nil) async throws -> APIClient {
        let thread = try await EventLoopThread.start(name: "api-client")
        let client = try await thread.loop.submit { loop in LoopBound(try HTTPClient(loop: loop), loop: loop) }
        return APIClient(thread: thread, client: client, baseURL: baseURL, token: token)
    }

    /// The status, headers and body, whatever the status.
    func exchange(
        _ method: HTTPMethod, _ path: String, body: String? = nil,
        headers: HTTPHeaders = [:]
    ) async throws -> HTTPClientResponse {
        var headers = headers
        if body != nil { headers.set("Content-Type", "application/json") }
        if let token, headers["Authorization"] == nil { headers.set("Authorization", "Bearer \(token)") }
        let request = HTTPClientRequest(
            method: method, url: baseURL + path, headers: headers,
            body: body.map { Array($0.utf8) }, timeout: .seconds(30), acceptedStatuses: 100..<600)
        return try await client.response(for: request)
    }

    /// The status and body, whatever the status.
    func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil,
        headers: HTTPHeaders = [:]
    ) async throws -> (status: Int, json: Any?, text: String) {
        var headers = headers
        if body != nil { headers.set("Content-Type", "application/json") }
        if let token, headers["Authorization"] == nil { headers.set("Authorization", "Bearer \(token)") }
        let request = HTTPClientRequest(
            method: method, url: baseURL + path, headers: headers,
            body: body.map { Array($0.utf8) }, timeout: .seconds(30), acceptedStatuses: 100..<600)
        let response = try await client.response(for: request)
        let json = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        return (response.status.code, json, response.text)
    }

    /// Opens `GET /api/events`; received events collect in the returned box.
    func subscribe(_ path: String = "/api/events") async throws -> EventCollector {
        let collector = EventCollector()
        let url = baseURL + path
        let client = self.client
        var headers = HTTPHeaders()
        if let token { headers.set("Authorization", "Bearer \(token)") }
        let chosen = headers
        try await thread.loop.submit { _ in
            _ = client.value.openEventStream(
                url: url, headers: chosen, onStateChange: { collector.state($0 == .open) },
                onEvent: { collector.add($0) })
        }
        return collector
    }

    func stop() async throws {
        try await thread.shutdown(grace: .seconds(2))
    }
}

/// Server-sent events received by a test, with waits that wake on each new one.
final class EventCollector: Sendable {
    private struct State {
        var events: [ServerSentEvent] = []
        var open = false
    }

    private let state = Mutex(State())
    private let wakeups = Wakeups()

    func add(_ event: ServerSentEvent) {
        state.withLock { $0.events.append(event) }
        wakeups.wake()
    }

    func state(_ open: Bool) {
        state.withLock { $0.open = open }
        wakeups.wake()
    }

    var events: [ServerSentEvent] { state.withLock { $0.events } }
    var isOpen: Bool { state.withLock { $0.open } }

    func waitUntil(
        _ what: String, timeout: Duration = .seconds(30), _ condition: @escaping @Sendable (EventCollector) -> Bool
    ) async throws {
        try await wakeups.waitUntil(what, timeout: timeout) { condition(self) }
    }
}
