import EventLoop
import Foundation
import HTTP
import TestSupport
import Testing

/// Bad clients over raw sockets: each gets the right status or a closed connection, and the
/// server keeps serving others afterwards.
@Suite("HTTP server under hostile input")
struct HostileInputTests {
    /// Sends `request` on a fresh connection and returns everything until the server closes it.
    static func exchange(_ port: Int, _ request: [UInt8], shutdownAfterSending: Bool = false) async throws -> String {
        try await onOwnThread {
            let socket = try RawSocket(port: port)
            try socket.send(request)
            if shutdownAfterSending { socket.shutdownWrite() }
            return try socket.readUntilClosed()
        }
    }

    static func exchange(_ port: Int, _ request: String, shutdownAfterSending: Bool = false) async throws -> String {
        try await exchange(port, Array(request.utf8), shutdownAfterSending: shutdownAfterSending)
    }

    /// The server still answers a well-formed request.
    static func stillServes(_ server: TestServer) async throws {
        let result = try await runCurl(["\(server.baseURL)/hello"])
        #expect(result.output == "hello\n")
    }

    @Test func garbageGets400WithReason() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let reply = try await Self.exchange(server.port, "\u{1}\u{2}GARBAGE\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(reply.contains("Connection: close"))
            #expect(reply.contains("malformed request"))
            let binary = try await Self.exchange(server.port, (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) })
            #expect(binary.hasPrefix("HTTP/1.1 400"))
            try await Self.stillServes(server)
        }
    }

    @Test func badHeaderSyntaxGets400() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let reply = try await Self.exchange(server.port, "GET /hello HTTP/1.1\r\nHost x\r\nBad Header\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 400"))
            let conflicting = try await Self.exchange(
                server.port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
            #expect(conflicting.hasPrefix("HTTP/1.1 400"))
            try await Self.stillServes(server)
        }
    }

    @Test func oversizedHeadersGet431() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let huge = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Filler: \(String(repeating: "a", count: 8000))\r\n\r\n"
            let reply = try await Self.exchange(server.port, huge)
            #expect(reply.hasPrefix("HTTP/1.1 431"))
            let longURL = "GET /\(String(repeating: "b", count: 6000)) HTTP/1.1\r\nHost: x\r\n\r\n"
            #expect(try await Self.exchange(server.port, longURL).hasPrefix("HTTP/1.1 431"))
            let manyHeaders = "GET /hello HTTP/1.1\r\n" + (0..<400).map { "X-H\($0): v\r\n" }.joined() + "\r\n"
            #expect(try await Self.exchange(server.port, manyHeaders).hasPrefix("HTTP/1.1 431"))
            try await Self.stillServes(server)
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            // Declared too large: refused before the body is read.
            let declared = try await Self.exchange(
                server.port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nabc")
            #expect(declared.hasPrefix("HTTP/1.1 413"))
            // Chunked, growing past the limit.
            let chunk = String(repeating: "z", count: 16 * 1024)
            var chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<5 { chunked += "\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n" }
            chunked += "0\r\n\r\n"
            #expect(try await Self.exchange(server.port, chunked).hasPrefix("HTTP/1.1 413"))
            // And via curl, which sends a real 100-continue upload.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kct-upload-\(UUID().uuidString)")
            try Data(repeating: UInt8(ascii: "y"), count: 200_000).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let upload = try await runCurl([
                "-w", "%{http_code}", "--data-binary", "@\(file.path)", "\(server.baseURL)/echo",
            ])
            #expect(upload.output.hasSuffix("413"))
            try await Self.stillServes(server)
        }
    }

    @Test func brokenChunkedEncodingGets400() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let badSize = try await Self.exchange(
                server.port,
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
            #expect(badSize.hasPrefix("HTTP/1.1 400"))
            let missingSize = try await Self.exchange(
                server.port, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n")
            #expect(missingSize.hasPrefix("HTTP/1.1 400"))
            let overflowingSize = try await Self.exchange(
                server.port,
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                    + "chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n"
            )
            #expect(overflowingSize.hasPrefix("HTTP/1.1 400"))
            try await Self.stillServes(server)
        }
    }

    @Test func truncatedRequestAndMidBodyDisconnectAreClosedQuietly() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            // Half a request line, then EOF: nothing to answer; the connection is closed.
            let truncated = try await Self.exchange(server.port, "GET /hel", shutdownAfterSending: true)
            #expect(truncated.isEmpty)
            // Promised 100 bytes, sent 10, then went away: the handler never runs.
            let midBody = try await Self.exchange(
                server.port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
                shutdownAfterSending: true)
            #expect(midBody.isEmpty)
            #expect(try await server.inspect { $0.requestsHandled } == 0)
            #expect(try await eventually { try await server.inspect { $0.connectionCount } == 0 })
            try await Self.stillServes(server)
        }
    }

    @Test func slowLorisIsCutOffByTheHeaderTimeout() async throws {
        var configuration = TestServer.testConfiguration()
        configuration.headerTimeout = .milliseconds(400)
        try await withStopping(try await TestServer.start(configuration: configuration, routes: standardRoutes)) {
            server in
            let port = server.port
            let outcome = try await onOwnThread { () -> (sentBytes: Int, reply: String) in
                let socket = try RawSocket(port: port)
                let request = Array(
                    "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: \(String(repeating: "s", count: 100))\r\n\r\n".utf8)
                var sent = 0
                // One byte every 50 ms: the headers would take seconds to arrive.
                for byte in request {
                    do { try socket.send([byte]) } catch { break }
                    sent += 1
                    var pending = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
                    if poll(&pending, 1, 50) > 0 { break }
                }
                return (sent, try socket.readUntilClosed())
            }
            #expect(outcome.sentBytes < 120)
            #expect(outcome.reply.hasPrefix("HTTP/1.1 408"))
            try await Self.stillServes(server)
        }
    }

    @Test func silentConnectionIsClosedByTheIdleTimeout() async throws {
        var configuration = TestServer.testConfiguration()
        configuration.idleTimeout = .milliseconds(300)
        try await withStopping(try await TestServer.start(configuration: configuration, routes: standardRoutes)) {
            server in
            let port = server.port
            let reply = try await onOwnThread {
                let socket = try RawSocket(port: port)
                try socket.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                // After the answer the connection idles; the server closes it.
                return try socket.readUntilClosed()
            }
            #expect(reply.hasPrefix("HTTP/1.1 200"))
            #expect(reply.hasSuffix("hello\n"))
        }
    }

    @Test func connectionsOverTheCapGet503() async throws {
        var configuration = TestServer.testConfiguration()
        configuration.maxConnections = 2
        try await withStopping(try await TestServer.start(configuration: configuration, routes: standardRoutes)) {
            server in
            let port = server.port
            let replies = try await onOwnThread { () -> [String] in
                let first = try RawSocket(port: port)
                let second = try RawSocket(port: port)
                try first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                try second.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try first.readResponses(1)
                _ = try second.readResponses(1)
                let third = try RawSocket(port: port)
                return [try third.readUntilClosed()]
            }
            #expect(replies[0].hasPrefix("HTTP/1.1 503"))
            #expect(try await server.inspect { $0.connectionsRefused } == 1)
            try await Self.stillServes(server)
        }
    }

    @Test func upgradeRequestsAreAnsweredPlainlyThenClosed() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let reply = try await Self.exchange(
                server.port,
                "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: "
                    + "websocket\r\n\r\n\u{1}\u{2}websocket frames"
            )
            #expect(reply.hasPrefix("HTTP/1.1 200"))
            #expect(reply.contains("Connection: close"))
            #expect(reply.hasSuffix("hello\n"))
            try await Self.stillServes(server)
        }
    }

    /// Random bytes after a valid request line never crash the server or hang the connection.
    @Test(arguments: 0..<20)
    func randomBytesNeverHang(seed: Int) async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            var generator = SplitMix64(seed: UInt64(seed))
            let noise = (0..<Int(generator.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let reply = try await Self.exchange(
                server.port, Array("POST /echo HTTP/1.1\r\n".utf8) + noise, shutdownAfterSending: true)
            #expect(reply.isEmpty || reply.hasPrefix("HTTP/1.1 "))
            try await Self.stillServes(server)
        }
    }
}
