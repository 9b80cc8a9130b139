import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore
import TestSupport
import Testing

@testable import Node

/// The local API's sessions: sign-in, bearer tokens on every route, 401/403/429, rate limits.
@Suite(.serialized) struct StaffAPITests {
    func withNode(
        configure: (inout NodeDaemon.Configuration) -> Void = { _ in },
        _ body: (TestNode, APIClient) async throws -> Void
    ) async throws {
        let node = try await TestNode.start(name: "W1", configure: configure)
        defer { node.removeFiles() }
        try await withStopping(node) { node in
            try await withStopping(try await APIClient.start(baseURL: try await node.apiURL)) { api in
                try await body(node, api)
            }
        }
    }

    func signInBody(_ email: String, _ password: String) -> String {
        #"{"email": "\#(email)", "password": "\#(password)"}"#
    }

    func errorCode(_ json: Any?) -> String? {
        ((json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
    }
    func errorMessage(_ json: Any?) -> String? {
        ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
    }

    @Test func signInUseAndSignOut() async throws {
        try await withNode { node, api in
            _ = try node.store.testSession() // makes admin@kct.example
            for path in ["/api/orders", "/api/stats", "/api/sync", "/api/conflicts", "/api/session"] {
                let anonymous = try await api.exchange(.get, path)
                #expect(anonymous.status.code == 401, "\(path)")
                #expect(anonymous.headers["WWW-Authenticate"] == "Bearer")
            }
            let bogus = try await api.request(
                .get, "/api/orders", headers: ["Authorization": "Bearer kcts_not-a-session"])
            #expect(bogus.status == 401)
            #expect(errorMessage(bogus.json) == "unknown session token; sign in again")

            let wrong = try await api.request(
                .post, "/api/session", body: signInBody("admin@kct.example", "not the password"))
            #expect(wrong.status == 401)
            #expect(errorCode(wrong.json) == "sign_in_failed")
            let signedIn = try await api.request(
                .post, "/api/session", body: signInBody("ADMIN@kct.example", testPassword))
            #expect(signedIn.status == 201)
            let session = try #require(signedIn.json as? [String: Any])
            #expect(session["email"] as? String == "admin@kct.example")
            #expect(session["role"] as? String == "admin")
            #expect(session["name"] as? String == "Admin")
            #expect(session["expires_at"] is String)
            let token = try #require(session["token"] as? String)
            let bearer: HTTPHeaders = ["Authorization": "Bearer \(token)"]

            let whoami = try await api.request(.get, "/api/session", headers: bearer)
            #expect(whoami.status == 200)
            #expect((whoami.json as? [String: Any])?["email"] as? String == "admin@kct.example")
            #expect((whoami.json as? [String: Any])?["token"] == nil)
            #expect(try await api.request(.get, "/api/orders", headers: bearer).status == 200)

            #expect(try await api.request(.delete, "/api/session", headers: bearer).status == 204)
            let ended = try await api.request(.get, "/api/orders", headers: bearer)
            #expect(ended.status == 401)
            #expect(errorMessage(ended.json) == "the session has ended; sign in again")
            #expect(try await api.request(.delete, "/api/session", headers: bearer).status == 401)
        }
    }

    @Test func aViewerReadsButItsEditsAreForbidden() async throws {
        try await withNode { node, api in
            let token = try node.store.testSession("vera@kct.example", role: .viewer)
            let bearer: HTTPHeaders = ["Authorization": "Bearer \(token)"]
            let refused = try await api.request(
                .post, "/api/orders",
                body: """
                    {"customer_name": "Jane Doe", "customer_email": "jane@example.com",
                     "items": [{"product_name": "Navy Suit", "unit_price": "899.00"}]}
                    """, headers: bearer)
            #expect(refused.status == 403)
            #expect(errorCode(refused.json) == "forbidden")
            #expect(
                errorMessage(refused.json)
                    == "vera@kct.example is a viewer and may not create orders (a new order); only processors, "
                    + "managers and admins may"
            )
            #expect(try node.store.outboxEntries().isEmpty)
            #expect(try await api.request(.get, "/api/orders", headers: bearer).status == 200)
        }
    }

    @Test func failedSignInsAreAnswered429WithRetryAfter() async throws {
        try await withNode { node, api in
            _ = try node.store.testSession()
            // Eight failures, the last one now (1, 2, 4, 8, 16 s apart after the free three):
            // the next attempt must wait 32 s.
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            for offset in [31_200, 31_100, 31_000, 30_000, 28_000, 24_000, 16_000, 0] as [UInt64] {
                #expect(throws: StoreError.self) {
                    try node.store.signIn(
                        email: "admin@kct.example", password: "wrong password", kind: .api, now: now - offset)
                }
            }
            let throttled = try await api.exchange(
                .post, "/api/session", body: signInBody("admin@kct.example", testPassword))
            #expect(throttled.status.code == 429)
            let retryAfter = throttled.headers["Retry-After"].flatMap { Int($0) }
            #expect(retryAfter.map { (1...32).contains($0) } == true, "Retry-After: \(String(describing: retryAfter))")
            #expect(throttled.text.contains("too many failed sign-ins for admin@kct.example"))
        }
    }

    @Test func eachSessionIsRateLimited() async throws {
        try await withNode(configure: { $0.rateLimit = .init(burst: 3, perSecond: 0.001) }) { node, api in
            let first = try node.store.testSession()
            let second = try node.store.signIn(email: "admin@kct.example", password: testPassword, kind: .api).token
            for _ in 0..<3 {
                #expect(
                    try await api.request(.get, "/api/stats", headers: ["Authorization": "Bearer \(first)"]).status
                        == 200)
            }
            let limited = try await api.exchange(.get, "/api/stats", headers: ["Authorization": "Bearer \(first)"])
            #expect(limited.status.code == 429)
            #expect(limited.headers["Retry-After"].flatMap { Int($0) }.map { $0 >= 1 } == true)
            // Another session has its own bucket.
            #expect(
                try await api.request(.get, "/api/stats", headers: ["Authorization": "Bearer \(second)"]).status == 200)
        }
    }
}
