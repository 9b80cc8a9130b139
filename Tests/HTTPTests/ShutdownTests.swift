import EventLoop
import Foundation
import HTTP
import TestSupport
import Testing

@Suite("HTTP server graceful shutdown")
struct ShutdownTests {
    @Test func inFlightRequestsFinishAndNewConnectionsAreRefused() async throws {
        // The handler answers only when the test says so, after shutdown began: a timer could
        // fire first on a loaded machine and the answer would not be the in-flight one.
        let (server, held) = try await Self.serverHoldingItsRequests()
        let port = server.port
        // The answer waits for this test's own steps below, which the rest of the suite can
        // starve of the cooperative pool for minutes on 2 cores: not the 30 s default.
        async let inFlight = Self.waitRequest(port: port, receiveTimeout: .seconds(300))
        #expect(try await eventually { try await server.inspect { $0.requestsHandled } == 1 })
        // Shut down while the request is still being handled.
        // The grace only bounds a test starved by the rest of the suite: the test answers at once.
        try await server.loop.submit { loop in loop.shutdown(grace: .seconds(120)) }
        try await server.loop.submit { _ in held.responder?.send(.text("finished")) }
        let reply = try await inFlight
        #expect(reply.hasPrefix("HTTP/1.1 200 OK"))
        #expect(reply.contains("Connection: close"))
        #expect(reply.hasSuffix("finished"))
        try await server.stop()
        let refused = await onOwnThreadResult { _ = try RawSocket(port: port) }
        #expect(refused == false)
    }

    @Test func streamsAreEndedAtShutdown() async throws {
        let server = try await TestServer.start { loop, router in
            let hub = EventStreamHub(loop: loop)
            router.get("/stream") { request, responder in hub.subscribe(responder, request: request) }
        }
        let port = server.port
        async let stream = onOwnThread { () -> String in
            let socket = try RawSocket(port: port, receiveTimeout: .seconds(300))
            try socket.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            return try socket.readUntilClosed()
        }
        #expect(try await eventually { try await server.inspect { $0.connectionCount } == 1 })
        try await server.stop()
        let text = try await stream
        #expect(text.hasPrefix("HTTP/1.1 200 OK"))
        // A clean end of the chunked body, not a cut connection.
        #expect(text.hasSuffix("0\r\n\r\n"))
    }

    @Test func handlersThatNeverAnswerAreCutAfterTheGracePeriod() async throws {
        let server = try await TestServer.start { loop, router in
            router.get("/forever") { _, responder in
                // Keeps the responder alive and never answers.
                let timer = loop.makeTimer { _ in _ = responder }
                timer.start(after: .seconds(3600))
            }
        }
        let port = server.port
        async let reply = onOwnThread { () -> String in
            let socket = try RawSocket(port: port)
            try socket.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
            return try socket.readUntilClosed()
        }
        #expect(try await eventually { try await server.inspect { $0.requestsHandled } == 1 })
        try await server.thread.shutdown(grace: .milliseconds(200))
        let text = try await reply
        #expect(text.hasPrefix("HTTP/1.1 503"))
        #expect(text.hasSuffix("the server is shutting down\n"))
    }
}

extension ShutdownTests {
    /// A server whose `GET /wait` keeps its responder in the returned holder, unanswered.
    static func serverHoldingItsRequests() async throws -> (TestServer, HeldResponder) {
        let held = HeldResponder()
        let server = try await TestServer.start { _, router in
            router.get("/wait") { _, responder in held.responder = responder }
        }
        return (server, held)
    }

    /// Sends `GET /wait` and returns everything the server writes until it closes.
    static func waitRequest(port: Int, receiveTimeout: Duration = .seconds(30)) async throws -> String {
        try await onOwnThread { () -> String in
            let socket = try RawSocket(port: port, receiveTimeout: receiveTimeout)
            try socket.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
            return try socket.readUntilClosed()
        }
    }
}

/// A responder kept by a handler until the test answers it.
/// @unchecked Sendable: only touched on the server's loop thread (handlers and `submit` bodies).
final class HeldResponder: @unchecked Sendable {
    var responder: HTTPResponder?
}

func onOwnThreadResult<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async -> Bool {
    (try? await onOwnThread(work)) != nil
}

extension ShutdownTests {
    /// Work offloaded by a handler can finish after shutdown's grace period cut its connection
    /// (or the connection closed otherwise): the late answer is dropped, not a crash ("answered
    /// twice"); the client had its 503.
    @Test func anAnswerAfterTheConnectionClosedIsDropped() async throws {
        let (server, held) = try await Self.serverHoldingItsRequests()
        async let reply = Self.waitRequest(port: server.port)
        #expect(try await eventually { try await server.inspect { $0.requestsHandled } == 1 })
        // What the loop's grace period does to a server with a request still unanswered.
        try await server.inspect { $0.forceClose() }
        #expect(try await reply.hasPrefix("HTTP/1.1 503"))
        try await server.loop.submit { _ in held.responder?.send(.text("too late")) }
        try await server.loop.submit { _ in _ = held.responder?.startStreaming() }
        #expect(try await server.inspect { _ in held.responder?.isClientGone } == true)
        try await server.stop()
    }
}
