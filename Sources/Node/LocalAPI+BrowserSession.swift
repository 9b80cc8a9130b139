import Foundation
import HTTP
import StaffAuth

/// Sessions of the web app: the same sessions as the bearer-token API (`POST /api/session`,
/// throttled alike, 8 hours from last use), carried in a cookie instead of a header.
///
/// - `POST /api/session` with `"cookie": true` sets `kct_session` (HttpOnly, so the page's
///   scripts never see the token; SameSite=Strict, so other sites' pages do not send it; Path=/;
///   no Max-Age: the session's own expiry decides, and closing the browser forgets it) and
///   answers without the token but with a `csrf_token`. `EventSource` sends the cookie like any
///   same-origin request, so `GET /api/events` needs nothing more.
/// - A request authenticated by the cookie that changes anything (every method but GET and HEAD)
///   must also send `X-CSRF-Token` with that token, or it is refused with 403 `csrf_failed`
///   before anything else happens. SameSite alone is not enough here: another port of
///   127.0.0.1 is the same site, and a page there could post to us with the cookie attached.
/// - The CSRF token is derived from the session token (SHA-256 under its own label), so it is
///   bound to the session, needs no storage, survives a daemon restart, and reveals nothing of
///   the session token. `GET /api/session` returns it again after a page reload.
/// - A request with `Authorization: Bearer` is authenticated by that header only (scripts:
///   unchanged); another site cannot set that header without a CORS preflight, which we never
///   grant.
enum BrowserSession {
    static let cookieName = "kct_session"
    static let csrfHeader = "X-CSRF-Token"

    /// The session token in the request's `Cookie` header, if any.
    static func token(in request: HTTPRequest) -> String? {
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    static func csrfToken(for sessionToken: String) -> String {
        Base64URL.encode(SecretToken.hash("kct-csrf-v1:" + sessionToken))
    }

    /// Refuses a state-changing request that lacks the session's CSRF token.
    static func checkCSRF(_ request: HTTPRequest, sessionToken: String) throws(APIError) {
        guard request.method != .get, request.method != .head else { return }
        let expected = csrfToken(for: sessionToken)
        guard let given = request.headers[csrfHeader], ConstantTime.equal(Array(given.utf8), Array(expected.utf8))
        else {
            throw APIError(
                .forbidden, code: "csrf_failed",
                "this request changes data but carries no valid \(csrfHeader) header for the session cookie; "
                    + "sign in again from the web app")
        }
    }

    static func setCookie(_ token: String) -> String {
        "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
    }

    static let clearCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}
