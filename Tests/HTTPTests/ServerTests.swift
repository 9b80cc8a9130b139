import EventLoop
import Foundation
import HTTP
import Synchronization
import TestSupport
import Testing

/// Routes shared by the server tests.
func standardRoutes(_ loop: EventLoop, _ router: inout HTTPRouter) {
    router.get("/hello") { _, responder in responder.send(.text("hello\n")) }
    router.post("/echo") { request, responder in
        var response = HTTPResponse(status: .ok, body: request.body)
        response.headers.set("Content-Type", request.headers["Content-Type"] ?? "application/octet-stream")
        response.headers.set("X-Body-Length", String(request.body.count))
        responder.send(response)
    }
    router.get("/orders/:id/notes/:note") { request, responder in
        responder.send(.text("order \(request.pathParameters["id"]!) note \(request.pathParameters["note"]!)"))
    }
    router.get("/v1/pull") { request, responder in
        let after = try request.queryInteger("after") ?? 0
        responder.sendJSON(["after": after])
    }
    router.get("/big") { _, responder in
        responder.send(.text(String(repeating: "kct order management ", count: 500)))
    }
    router.get("/slow") { _, responder in
        // Answered later, from the loop, like a handler whose database work ran elsewhere.
        loop.offload({ () -> String in
            Thread.sleep(forTimeInterval: 0.05)
            return "done on \(Thread.isMainThread ? "main" : "pool")"
        }) { result in
            responder.send(.text((try? result.get()) ?? "failed"))
        }
    }
    router.get("/chunked") { _, responder in
        let writer = responder.startStreaming(headers: ["Content-Type": "text/plain"])
        var remaining = 3
        let timer = loop.makeTimer { timer in
            remaining -= 1
            writer.write("part \(3 - remaining)\n")
            if remaining == 0 {
                writer.finish()
                timer.close()
            }
        }
        timer.start(after: .milliseconds(5), repeating: .milliseconds(5))
    }
    router.get("/boom") { _, _ in throw CancellationError() }
    router.get("/teapot") { _, _ in throw HTTPError(HTTPStatus(418), "short and stout") }
    router.get("/dropped") { _, _ in }
    router.get("/throws-mid-stream") { _, responder in
        let writer = responder.startStreaming()
        writer.write("begun")
        throw HTTPError(.conflict, "too late for a status")
    }
    router.post("/json") { request, responder in
        struct Order: Codable {
            var number: String
            var total: Int
        }
        let order = try request.decodeJSON(Order.self)
        responder.sendJSON(Order(number: order.number.uppercased(), total: order.total * 2), status: .created)
    }
}

@Suite("HTTP server against the curl command-line tool")
struct ServerTests {
    @Test func getAndKeepAliveReuse() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            // Two URLs in one curl run share one connection when keep-alive works.
            let result = try await runCurl([
                "-w", "%{http_code} %{num_connects}\\n", "\(server.baseURL)/hello", "\(server.baseURL)/hello",
            ])
            #expect(result.status == 0)
            #expect(result.output == "hello\n200 1\nhello\n200 0\n")
            #expect(try await server.inspect { $0.requestsHandled } == 2)
        }
    }

    @Test func postBodiesContentLengthAndChunked() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let plain = try await runCurl(["-D", "-", "--data-binary", "order=42&name=Ann", "\(server.baseURL)/echo"])
            #expect(plain.output.contains("X-Body-Length: 17"))
            #expect(plain.output.hasSuffix("order=42&name=Ann"))
            let chunked = try await runCurl([
                "-H", "Transfer-Encoding: chunked", "--data-binary", "chunked body", "\(server.baseURL)/echo",
            ])
            #expect(chunked.output == "chunked body")
        }
    }

    @Test func routingParametersQueryAndErrors() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            #expect(try await runCurl(["\(server.baseURL)/orders/KCT-7/notes/3"]).output == "order KCT-7 note 3")
            #expect(try await runCurl(["\(server.baseURL)/v1/pull?after=12"]).output == #"{"after":12}"#)
            let badQuery = try await runCurl(["-w", "%{http_code}", "\(server.baseURL)/v1/pull?after=twelve"])
            #expect(badQuery.output.hasSuffix("400"))
            #expect(badQuery.output.contains("must be an integer"))
            let missing = try await runCurl(["-w", "%{http_code}", "\(server.baseURL)/nope"])
            #expect(missing.output.hasSuffix("404"))
            let wrongMethod = try await runCurl(["-D", "-", "-X", "DELETE", "\(server.baseURL)/hello"])
            #expect(wrongMethod.output.hasPrefix("HTTP/1.1 405"))
            #expect(wrongMethod.output.contains("Allow: GET"))
            let teapot = try await runCurl(["-w", "%{http_code}", "\(server.baseURL)/teapot"])
            #expect(teapot.output == "short and stout\n418")
            let boom = try await runCurl(["-w", "%{http_code}", "\(server.baseURL)/boom"])
            #expect(boom.output == "internal error\n500")
            let dropped = try await runCurl(["-w", "%{http_code}", "\(server.baseURL)/dropped"])
            #expect(dropped.output.hasSuffix("500"))
            // The status was already sent: the stream is cut, so curl reports an incomplete transfer.
            let cut = try await runCurl(["\(server.baseURL)/throws-mid-stream"])
            #expect(cut.output == "begun")
            #expect(cut.status == 18)
        }
    }

    @Test func headGetsHeadersWithoutBody() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let head = try await runCurl(["-I", "\(server.baseURL)/hello"])
            #expect(head.output.hasPrefix("HTTP/1.1 200 OK"))
            #expect(head.output.contains("Content-Length: 6"))
            #expect(!head.output.contains("hello"))
        }
    }

    @Test func gzipWhenAccepted() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let expected = String(repeating: "kct order management ", count: 500)
            let compressed = try await runCurl(["--compressed", "-D", "-", "\(server.baseURL)/big"])
            #expect(compressed.output.contains("Content-Encoding: gzip"))
            #expect(compressed.output.hasSuffix(expected))
            let identity = try await runCurl(["-D", "-", "\(server.baseURL)/big"])
            #expect(!identity.output.contains("Content-Encoding"))
            #expect(identity.output.contains("Content-Length: \(expected.utf8.count)"))
        }
    }

    @Test func asynchronousAndChunkedResponses() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            #expect(try await runCurl(["\(server.baseURL)/slow"]).output == "done on pool")
            let chunked = try await runCurl(["-D", "-", "\(server.baseURL)/chunked"])
            #expect(chunked.output.contains("Transfer-Encoding: chunked"))
            #expect(chunked.output.hasSuffix("part 1\npart 2\npart 3\n"))
        }
    }

    @Test func jsonInAndOut() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let good = try await runCurl([
                "-w", " %{http_code}", "-H", "Content-Type: application/json",
                "--data", #"{"number":"kct-1","total":21}"#, "\(server.baseURL)/json",
            ])
            #expect(good.output == #"{"number":"KCT-1","total":42} 201"#)
            let bad = try await runCurl(["-w", " %{http_code}", "--data", #"{"number":1}"#, "\(server.baseURL)/json"])
            #expect(bad.output.hasSuffix(" 400"))
            #expect(bad.output.contains("not a valid Order"))
        }
    }

    @Test func pipelinedRequestsAnsweredInOrder() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let port = server.port
            let responses = try await onOwnThread {
                let socket = try RawSocket(port: port)
                // The slow one is answered after work on the thread pool; order must still hold.
                try socket.send(
                    "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /orders/1/notes/2 HTTP/1.1\r\nHost: x\r\n\r\nPOST "
                        + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /hello HTTP/1.1\r\nHost: "
                        + "x\r\n\r\n"
                )
                return try socket.readResponses(4)
            }
            #expect(responses.count == 4)
            #expect(responses[0].hasSuffix("done on pool"))
            #expect(responses[1].hasSuffix("order 1 note 2"))
            #expect(responses[2].hasSuffix("abc"))
            #expect(responses[3].hasSuffix("hello\n"))
        }
    }

    @Test func handlersHearWhenTheClientGoesAway() async throws {
        let gone = Flag()
        let server = try await TestServer.start { _, router in
            router.get("/long-poll") { _, responder in
                // A long poll: nothing to say until the client leaves.
                responder.onClientGone {
                    gone.set()
                    responder.send(.text("nobody is listening"))
                }
            }
        }
        let port = server.port
        try await onOwnThread {
            let socket = try RawSocket(port: port)
            try socket.send("GET /long-poll HTTP/1.1\r\nHost: x\r\n\r\n")
            socket.shutdownWrite()
        }
        #expect(try await eventually { gone.isSet })
        #expect(try await eventually { try await server.inspect { $0.connectionCount } == 0 })
        try await server.stop()
    }

    @Test func http10ClosesUnlessKeepAlive() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let port = server.port
            let reply = try await onOwnThread {
                let socket = try RawSocket(port: port)
                try socket.send("GET /hello HTTP/1.0\r\n\r\n")
                return try socket.readUntilClosed()
            }
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"))
            #expect(reply.contains("Connection: close"))
        }
    }

    @Test func expectContinueGetsInterimResponse() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            let port = server.port
            let reply = try await onOwnThread {
                let socket = try RawSocket(port: port)
                try socket.send(
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: "
                        + "close\r\n\r\n"
                )
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = recv(socket.descriptor, &buffer, buffer.count, 0)
                let interim = String(decoding: buffer[0..<max(count, 0)], as: UTF8.self)
                try socket.send("hi")
                return interim + "|" + (try socket.readUntilClosed())
            }
            #expect(reply.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n|HTTP/1.1 200 OK"))
            #expect(reply.hasSuffix("hi"))
        }
    }
}

/// A one-way flag set on the loop thread and read by the test.
final class Flag: Sendable {
    private let storage = Mutex(false)
    func set() { storage.withLock { $0 = true } }
    var isSet: Bool { storage.withLock { $0 } }
}
