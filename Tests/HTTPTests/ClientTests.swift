import EventLoop
import Foundation
import HTTP
import TestSupport
import Testing

@Suite("HTTP client (curl multi on libuv)")
struct ClientTests {
    @Test func requestsWithHeadersAndBodies() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                let hello = try await client.send(HTTPClientRequest(url: "\(server.baseURL)/hello")).get()
                #expect(hello.status == .ok)
                #expect(hello.text == "hello\n")
                #expect(hello.headers["Content-Type"] == "text/plain; charset=utf-8")

                let echo = try await client.send(
                    HTTPClientRequest(
                        method: .post, url: "\(server.baseURL)/echo",
                        headers: ["Content-Type": "application/x-kct"],
                        body: Array("payload".utf8))
                ).get()
                #expect(echo.text == "payload")
                #expect(echo.headers["Content-Type"] == "application/x-kct")
                #expect(echo.headers["X-Body-Length"] == "7")

                let emptyPost = try await client.send(HTTPClientRequest(method: .post, url: "\(server.baseURL)/echo"))
                    .get()
                #expect(emptyPost.headers["X-Body-Length"] == "0")
            }
        }
    }

    @Test func gzipResponsesAreDecoded() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                let response = try await client.send(HTTPClientRequest(url: "\(server.baseURL)/big")).get()
                #expect(response.headers["Content-Encoding"] == "gzip")
                #expect(response.text == String(repeating: "kct order management ", count: 500))
            }
        }
    }

    @Test func connectionsAreReused() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                for _ in 0..<10 {
                    _ = try await client.send(HTTPClientRequest(url: "\(server.baseURL)/hello")).get()
                }
                #expect(try await server.inspect { $0.connectionCount } == 1)
                #expect(try await server.inspect { $0.requestsHandled } == 10)
            }
        }
    }

    @Test func manyConcurrentRequests() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                let results = await withTaskGroup(of: Result<HTTPClientResponse, HTTPClientError>.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            await client.send(
                                HTTPClientRequest(
                                    method: .post, url: "\(server.baseURL)/echo", body: Array("n\(index)".utf8)))
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let bodies = Set(results.compactMap { try? $0.get().text })
                // Say why a request failed (seen once on a heavily loaded machine), not only that one did.
                let failures = results.compactMap { result -> String? in
                    if case .failure(let error) = result { return "\(error)" } else { return nil }
                }
                #expect(failures.isEmpty, "\(failures)")
                #expect(bodies == Set((0..<200).map { "n\($0)" }))
            }
        }
    }

    @Test func statusErrorsCarryTheBody() async throws {
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                let result = await client.send(HTTPClientRequest(url: "\(server.baseURL)/boom"))
                guard case .failure(let error) = result else {
                    Issue.record("a 500 should fail")
                    return
                }
                #expect(error.kind == .httpStatus)
                #expect(error.status == .internalServerError)
                #expect(error.bodyText == "internal error\n")
                // The caller can widen what counts as success.
                let accepted = try await client.send(
                    HTTPClientRequest(url: "\(server.baseURL)/nope", acceptedStatuses: 200..<500)
                ).get()
                #expect(accepted.status == .notFound)
            }
        }
    }

    @Test func refusedPortIsATypedError() async throws {
        // Bind a port and close it again, so nothing listens there.
        let server = try await TestServer.start(routes: standardRoutes)
        let deadURL = "\(server.baseURL)/hello"
        try await server.stop()
        try await withStopping(try await TestClient.start()) { client in
            let result = await client.send(HTTPClientRequest(url: deadURL))
            guard case .failure(let error) = result else {
                Issue.record("a closed port should fail")
                return
            }
            #expect(error.kind == .connectionRefused)
            #expect(error.curlCode == 7)
        }
    }

    @Test func timeoutIsATypedError() async throws {
        let server = try await TestServer.start { loop, router in
            // Answers only after the client has given up; the responder is kept so no 500 is sent.
            router.get("/never") { _, responder in
                loop.schedule(after: .seconds(3)) { responder.send(.text("late")) }
            }
        }
        let client = try await TestClient.start()
        let result = await client.send(HTTPClientRequest(url: "\(server.baseURL)/never", timeout: .milliseconds(200)))
        guard case .failure(let error) = result else {
            Issue.record("the request should time out")
            return
        }
        #expect(error.kind == .timedOut)
        try await client.stop()
        try await server.stop()
    }

    @Test func cancellationCompletesWithCancelled() async throws {
        let server = try await TestServer.start { loop, router in
            router.get("/never") { _, responder in
                loop.schedule(after: .seconds(3)) { responder.send(.text("late")) }
            }
        }
        let client = try await TestClient.start()
        let boundClient = client.client
        let url = "\(server.baseURL)/never"
        let result: Result<HTTPClientResponse, HTTPClientError> = try await client.thread.loop.submitDeferred {
            loop, finish in
            let task = boundClient.value.send(HTTPClientRequest(url: url)) { finish(.success($0)) }
            loop.schedule(after: .milliseconds(50)) { task.cancel() }
        }
        guard case .failure(let error) = result else {
            Issue.record("a cancelled request should fail")
            return
        }
        #expect(error.kind == .cancelled)
        try await client.stop()
        try await server.stop()
    }

    @Test func tlsHandshakeFailureIsATypedError() async throws {
        // https to a plain-HTTP server: curl's TLS handshake fails.
        try await withStopping(try await TestServer.start(routes: standardRoutes)) { server in
            try await withStopping(try await TestClient.start()) { client in
                let result = await client.send(
                    HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/hello", timeout: .seconds(10)))
                guard case .failure(let error) = result else {
                    Issue.record("https to a plain server should fail")
                    return
                }
                #expect(error.kind == .tls)
            }
        }
    }

    @Test func malformedURLIsInvalidRequest() async throws {
        try await withStopping(try await TestClient.start()) { client in
            let result = await client.send(HTTPClientRequest(url: "htp:/nowhere"))
            guard case .failure(let error) = result else {
                Issue.record("a malformed URL should fail")
                return
            }
            #expect(error.kind == .invalidRequest)
        }
    }

    @Test func serverClosingMidResponseIsATransportError() async throws {
        // A raw listener that answers with a truncated body and closes.
        let server = try await TestServer.start { loop, router in
            router.get("/cut") { _, responder in
                let writer = responder.startStreaming()
                writer.write("partial")
                writer.abort()
            }
        }
        let client = try await TestClient.start()
        let result = await client.send(HTTPClientRequest(url: "\(server.baseURL)/cut"))
        guard case .failure(let error) = result else {
            Issue.record("a cut response should fail")
            return
        }
        #expect(error.kind == .transport)
        try await client.stop()
        try await server.stop()
    }
}
