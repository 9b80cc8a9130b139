import EventLoop
import Foundation
import HTTP
import Synchronization

/// A loopback HTTP server on its own loop thread, with an HTTP client on the same loop for the
/// webhooks a stand-in sends. Each provider's stand-in builds on it.
package final class StandInServer: Sendable {
    let thread: EventLoopThread
    package let port: Int
    private let server: LoopBound<HTTPServer>
    private let client: LoopBound<HTTPClient>

    package var baseURL: String { "http://127.0.0.1:\(port)" }
    var loop: EventLoop { thread.loop }

    private init(thread: EventLoopThread, port: Int, server: LoopBound<HTTPServer>, client: LoopBound<HTTPClient>) {
        self.thread = thread
        self.port = port
        self.server = server
        self.client = client
    }

    /// `routes` runs on the loop thread.
    static func start(name: String, routes: @escaping @Sendable (EventLoop, inout HTTPRouter) -> Void) async throws
        -> StandInServer
    {
        let thread = try await EventLoopThread.start(name: name)
        let (port, server, client) = try await thread.loop.submit { loop in
            var router = HTTPRouter()
            routes(loop, &router)
            var configuration = HTTPServer.Configuration()
            configuration.serverName = name
            // Answers must reach clients byte for byte as built (signature checks, exact bodies).
            configuration.gzipMinimumBytes = nil
            let server = try HTTPServer(loop: loop, configuration: configuration, router: router)
            let client = try HTTPClient(loop: loop)
            return (server.port, LoopBound(server, loop: loop), LoopBound(client, loop: loop))
        }
        return StandInServer(thread: thread, port: port, server: server, client: client)
    }

    /// Posts a webhook as the provider does and returns the receiver's status code (0 when it
    /// could not be reached).
    func post(to url: String, headers: HTTPHeaders, body: [UInt8]) async -> Int {
        var allHeaders = headers
        allHeaders.set("Content-Type", "application/json")
        let request = HTTPClientRequest(
            method: .post, url: url, headers: allHeaders, body: body, timeout: .seconds(10),
            acceptedStatuses: 0..<1000)
        do {
            return try await client.response(for: request).status.code
        } catch {
            return error.status?.code ?? 0
        }
    }

    /// Posts a webhook with its signature in `signatureName`: the provider's own (`sign`) when
    /// `signatureHeader` is `.none`, none when it is `.some(nil)`, or the given text (forgeries,
    /// stale or rotated signatures).
    func postWebhook(
        to url: String, headers: HTTPHeaders, body: [UInt8], signatureName: String, signatureHeader: String??,
        sign: () throws -> String
    ) async rethrows -> Int {
        var headers = headers
        switch signatureHeader {
        case .none: headers.set(signatureName, try sign())
        case .some(.some(let header)): headers.set(signatureName, header)
        case .some(.none): break
        }
        return await post(to: url, headers: headers, body: body)
    }

    package func stop() async throws {
        try await thread.shutdown(grace: .seconds(2))
    }
}

/// What a stand-in does to the next write requests instead of answering normally, as providers
/// misbehave in the wild.
package enum StandInFault: Sendable, Equatable {
    /// 429 with `Retry-After` (when given), before doing anything.
    case rateLimited(retryAfterSeconds: Int?)
    /// A 5xx before doing anything (Stripe still saves it under the Idempotency-Key).
    case serverErrorBeforeActing(status: Int)
    /// Does the work, then answers a 5xx (saved under the key too).
    case serverErrorAfterActing(status: Int)
    /// Does the work, then drops the connection mid-answer: the client sees a transport error.
    case answerLostAfterActing
    /// Holds the answer this long (a request repeated meanwhile sees the first still in flight).
    case delay(Duration)
}

/// A queue of faults shared by a stand-in's handlers and the test that injects them.
final class FaultQueue: Sendable {
    private let faults = Mutex<[StandInFault]>([])

    func inject(_ fault: StandInFault, times: Int) {
        faults.withLock { $0 += Array(repeating: fault, count: times) }
    }

    func next() -> StandInFault? {
        faults.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}

extension HTTPResponder {
    /// Sends the head of `response` and then drops the connection before the body is complete.
    func sendThenDropConnection(_ response: HTTPResponse) {
        let writer = startStreaming(status: response.status, headers: response.headers)
        writer.write(Array(response.body.prefix(max(1, response.body.count / 2))))
        writer.abort()
    }
}

extension HTTPRequest {
    /// An `application/x-www-form-urlencoded` body as name → value (HTTPRequest's own query
    /// decoding, applied to the body).
    var formFields: [String: String] {
        HTTPRequest(method: .get, target: "/?" + String(decoding: body, as: UTF8.self)).query
    }

    /// The body as a JSON object, or nil.
    var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

/// JSON bytes with sorted keys, as the stand-ins answer.
func jsonBytes(_ object: Any) -> [UInt8] {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        .map { Array($0) } ?? []
}

/// Seconds since 1970, as providers stamp objects and signatures.
func unixNow() -> Int64 { Int64(Date().timeIntervalSince1970) }
