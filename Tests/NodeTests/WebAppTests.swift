import Foundation
import HTTP
import Testing

@testable import Node

/// The web app's files as the node serves them, and the browser session: cookie sign-in, the
/// CSRF token every change must carry, sign-out. (The app itself is tested in a real browser by
/// Tests/WebTests, `make test-web`.)
@Suite(.serialized) struct WebAppTests {
    func withNode(_ body: (TestNode, APIClient) async throws -> Void) async throws {
        let node = try await TestNode.start(name: "W1")
        _ = try node.store.testSession()
        // No bearer token: this client is the browser.
        let browser = try await APIClient.start(baseURL: try await node.apiURL)
        do {
            try await body(node, browser)
        } catch {
            try? await browser.stop()
            try? await node.stop()
            node.removeFiles()
            throw error
        }
        try await browser.stop()
        try await node.stop()
        node.removeFiles()
    }

    @Test func pageAndAssetsWithETagsImmutableCachingAndGzip() async throws {
        try await withNode { _, browser in
            let page = try await browser.exchange(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(page.headers["Content-Encoding"] == "gzip")
            #expect(page.headers["Cache-Control"] == "no-cache")
            #expect(page.headers["Content-Security-Policy"]?.contains("default-src 'self'") == true)
            #expect(page.text.contains("app/\(WebAssets.version)/js/main.js"))
            #expect(!page.text.contains("__VERSION__"))
            let etag = try #require(page.headers["ETag"])
            let again = try await browser.exchange(.get, "/", headers: ["If-None-Match": etag])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)

            let script = try await browser.exchange(.get, "/app/\(WebAssets.version)/js/main.js")
            #expect(script.status == .ok)
            #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
            #expect(script.headers["Cache-Control"] == "public, max-age=31536000, immutable")
            #expect(script.text.contains("import"))
            // An old version's URL still works, revalidated rather than cached for a year.
            let old = try await browser.exchange(.get, "/app/old/app.css")
            #expect(old.status == .ok)
            #expect(old.headers["Cache-Control"] == "no-cache")
            #expect(try await browser.exchange(.get, "/app/\(WebAssets.version)/nothing.js").status == .notFound)
            #expect(try await browser.exchange(.get, "/orders").status == .notFound)
            #expect(WebAssets.totalBytes < 150 * 1024)
        }
    }

    @Test func cookieSessionNeedsTheCSRFTokenForChanges() async throws {
        try await withNode { _, browser in
            let signIn = try await browser.exchange(
                .post, "/api/session",
                body: #"{"email": "admin@kct.example", "password": "\#(testPassword)", "cookie": true}"#)
            #expect(signIn.status == .created)
            let setCookie = try #require(signIn.headers["Set-Cookie"])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(signIn.body)) as? [String: Any])
            #expect(answer["token"] == nil)
            let csrf = try #require(answer["csrf_token"] as? String)
            let cookie = String(setCookie.prefix { $0 != ";" })

            let whoami = try await browser.request(.get, "/api/session", headers: ["Cookie": cookie])
            #expect(whoami.status == 200)
            #expect((whoami.json as? [String: Any])?["csrf_token"] as? String == csrf)

            let order =
                #"{"customer_name": "Jo", "customer_email": "jo@example.com","#
                + #" "items": [{"product_name": "Tie", "unit_price": "75.00"}]}"#
            let forged = try await browser.request(.post, "/api/orders", body: order, headers: ["Cookie": cookie])
            #expect(forged.status == 403)
            #expect(((forged.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "csrf_failed")
            let wrong = try await browser.request(
                .post, "/api/orders", body: order, headers: ["Cookie": cookie, "X-CSRF-Token": csrf + "x"])
            #expect(wrong.status == 403)
            let created = try await browser.request(
                .post, "/api/orders", body: order, headers: ["Cookie": cookie, "X-CSRF-Token": csrf])
            #expect(created.status == 201)

            let signOut = try await browser.exchange(
                .delete, "/api/session", headers: ["Cookie": cookie, "X-CSRF-Token": csrf])
            #expect(signOut.status == .noContent)
            #expect(signOut.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
            #expect(try await browser.request(.get, "/api/orders", headers: ["Cookie": cookie]).status == 401)
        }
    }
}
