import Foundation
import HTTP
import Store
import SyncCore

/// A session token as presented, in a bearer header or the web app's cookie; never logged or
/// printed (its description hides it).
struct SessionToken: Sendable, CustomStringConvertible {
    let value: String
    /// Presented as the `kct_session` cookie (`BrowserSession`), so answers carry cookie headers.
    var viaCookie = false
    var description: String { "<session token>" }
}

extension LocalAPI {
    /// The request's bearer token, or else its session cookie with the CSRF header a change
    /// needs (`BrowserSession`), if within its session's rate limit (checked on the loop;
    /// whether the session is valid is checked on the thread pool with the work).
    func admit(_ request: HTTPRequest) throws(APIError) -> SessionToken {
        let token: SessionToken
        if let value = request.bearerToken, !value.isEmpty {
            token = SessionToken(value: value)
        } else if let value = BrowserSession.token(in: request) {
            try BrowserSession.checkCSRF(request, sessionToken: value)
            token = SessionToken(value: value, viaCookie: true)
        } else {
            throw .unauthorized("sign in first: POST /api/session, then send Authorization: Bearer <token>")
        }
        if let wait = rateLimiter.admit(token: token.value, nowMillis: loop.now) {
            throw .tooManyRequests(
                "too many requests for this session; try again in \(wait) s", retryAfterSeconds: wait)
        }
        return token
    }

    /// The signed-in person behind `token`, or a 401 saying why there is none. Thread pool.
    static func actor(_ store: OrderStore, _ token: SessionToken) throws -> StaffActor {
        switch try store.lookUpSession(token: token.value) {
        case .active(let actor, _): return actor
        case .expired: throw APIError.unauthorized("the session has expired; sign in again")
        case .ended: throw APIError.unauthorized("the session has ended; sign in again")
        case .accountUnavailable(let email): throw APIError.unauthorized("the account \(email) is disabled or gone")
        case .unknown: throw APIError.unauthorized("unknown session token; sign in again")
        }
    }

    /// `POST /api/session` with `{"email": …, "password": …}`: 201 with the session's token;
    /// 401 for a wrong e-mail or password or a disabled account; 429 with `Retry-After` while
    /// failed sign-ins for that e-mail are being slowed down. The scrypt check runs on the
    /// thread pool, never on the loop. With `"cookie": true` (the web app) the token goes into
    /// the session cookie instead of the body, and the body carries the `csrf_token` the
    /// cookie's changes need (`BrowserSession`).
    func signIn(_ request: HTTPRequest, _ responder: HTTPResponder) throws {
        let object = try Self.jsonObject(request)
        let unknown = Set(object.keys).subtracting(["email", "password", "cookie"])
        guard unknown.isEmpty else {
            throw APIError.badRequest("unknown field(s): \(unknown.sorted().joined(separator: ", "))")
        }
        guard case .string(let email)? = object["email"], case .string(let password)? = object["password"] else {
            throw APIError.badRequest("give email and password as strings")
        }
        let cookie: Bool
        switch object["cookie"] {
        case nil, .null?: cookie = false
        case .bool(let value)?: cookie = value
        case let other?: throw APIError.badRequest("cookie must be true or false, not \(other.typeName)")
        }
        let store = self.store
        loop.offload({ () throws -> (String, [UInt8]) in
            let session = try store.signIn(email: email, password: password, kind: .api)
            var answer = SessionJSON(
                token: cookie ? nil : session.token, expiresAt: session.expiresAt, email: session.actor.email,
                name: session.actor.name, role: session.actor.role.rawValue)
            if cookie {
                answer.csrfToken = BrowserSession.csrfToken(for: session.token)
                answer.permissions = session.actor.role.permissions.map(\.rawValue)
            }
            return (session.token, try APIJSON.encode(answer))
        }) { result in
            switch result {
            case .success(let (token, bytes)):
                var response = HTTPResponse.json(bytes: bytes, status: .created)
                if cookie { response.headers.set("Set-Cookie", BrowserSession.setCookie(token)) }
                responder.send(response)
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }

    /// `GET /api/session`: who the token signs in, with their role as the replica knows it now and
    /// the permissions it has.
    func whoami(_ responder: HTTPResponder, _ token: SessionToken) {
        let store = self.store
        loop.offload({ () throws -> [UInt8] in
            guard case .active(let actor, let expiresAt) = try store.lookUpSession(token: token.value) else {
                _ = try Self.actor(store, token)
                throw APIError.unauthorized("sign in again")
            }
            var answer = SessionJSON(
                token: nil, expiresAt: expiresAt, email: actor.email, name: actor.name, role: actor.role.rawValue)
            answer.permissions = actor.role.permissions.map(\.rawValue)
            if token.viaCookie { answer.csrfToken = BrowserSession.csrfToken(for: token.value) }
            return try APIJSON.encode(answer)
        }) { result in
            switch result {
            case .success(let bytes): responder.send(.json(bytes: bytes))
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }

    /// `DELETE /api/session`: ends the session (204; the web app's cookie is cleared too); a
    /// token already ended or unknown is a 401.
    func signOut(_ responder: HTTPResponder, _ token: SessionToken) {
        let store = self.store
        loop.offload({ () throws -> Bool in try store.signOut(token: token.value) != nil }) { result in
            switch result {
            case .success(true):
                var response = HTTPResponse.empty()
                if token.viaCookie { response.headers.set("Set-Cookie", BrowserSession.clearCookie) }
                responder.send(response)
            case .success(false): responder.send(APIError.unauthorized("no active session for this token").response)
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }
}

/// `token` only in the answer to a sign-in (left out otherwise).
struct SessionJSON: Encodable {
    var token: String?
    var expiresAt: String
    var email: String
    var name: String
    var role: String
    /// What the role may do (PermissionMatrix's names), so a screen can hide what it may not.
    var permissions: [String]?
    /// For a session carried by the web app's cookie: what its changes send as `X-CSRF-Token`.
    var csrfToken: String?

    enum CodingKeys: String, CodingKey {
        case token, expiresAt = "expires_at", email, name, role, permissions, csrfToken = "csrf_token"
    }
}
