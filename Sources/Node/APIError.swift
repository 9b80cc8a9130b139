import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore

/// An error answer of the local API: `{"error":{"code":…,"message":…}}`, plus `allowed` (the
/// moves the lifecycle accepts) when a status move was refused, and `field` (the snake_case
/// field that is wrong) when the refusal is about one field, so a screen can show it there.
package struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: HTTPStatus
    /// Stable, for programs: `not_found`, `bad_request`, `invalid`, `illegal_transition`, …
    package var code: String
    package var message: String
    package var allowed: [String]?
    package var field: String?
    /// Seconds to wait before trying again (a 429's `Retry-After`).
    package var retryAfterSeconds: Int?

    package init(
        _ status: HTTPStatus, code: String, _ message: String, allowed: [String]? = nil, field: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.allowed = allowed
        self.field = field
    }

    /// 422 `invalid` about one field.
    package static func invalid(_ message: String, field: String?) -> APIError {
        APIError(.unprocessableEntity, code: "invalid", message, field: field)
    }

    /// 400 `bad_request` about one field of the body (wrong type, unknown value).
    package static func badField(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message, field: field)
    }

    package var description: String { "\(status.code) \(code): \(message)" }

    package static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message)
    }

    /// 401: no session, or one that expired, ended, or whose account is disabled.
    package static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message)
    }

    /// 429 with `Retry-After`.
    package static func tooManyRequests(_ message: String, retryAfterSeconds: Int) -> APIError {
        var error = APIError(.tooManyRequests, code: "rate_limited", message)
        error.retryAfterSeconds = max(1, retryAfterSeconds)
        return error
    }

    /// How the replica's refusals reach a screen: unknown → 404, broken rule → 422, a move the
    /// lifecycle does not allow → 409 naming the allowed moves; storage failures → 500.
    package init(_ error: StoreError) {
        switch error {
        case .orderNotFound, .itemNotFound, .exceptionNotFound, .conflictNotFound:
            self.init(.notFound, code: "not_found", error.description)
        case .ambiguousReference:
            self.init(.badRequest, code: "ambiguous_reference", error.description)
        case .invalid(.claimHeld), .invalid(.alreadyYourClaim):
            self.init(.conflict, code: "claimed", error.description)
        case .invalid(.notClaimed):
            self.init(.conflict, code: "not_claimed", error.description)
        case .invalid(let invalid):
            self = .invalid(error.description, field: invalid.field)
        case .money:
            self.init(.unprocessableEntity, code: "invalid", error.description)
        case .transition(let refused):
            self.init(
                .conflict, code: "illegal_transition", error.description, allowed: refused.allowed.map(\.rawValue))
        case .forbidden(let rejection):
            self.init(.forbidden, code: rejection.code.rawValue, rejection.message)
        case .wrongShop:
            self.init(.forbidden, code: "wrong_shop", error.description)
        case .accounts, .conflictNotActionable:
            self.init(.conflict, code: "refused", error.description)
        case .signInFailed:
            self.init(.unauthorized, code: "sign_in_failed", error.description)
        case .signInThrottled(_, let seconds):
            self = .tooManyRequests(error.description, retryAfterSeconds: seconds)
        default:
            self.init(.internalServerError, code: "internal_error", error.description)
        }
    }

    /// Any error thrown while answering: API errors as they are, store errors mapped, the rest 500.
    package init(any error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as StoreError: self.init(error)
        case let error as OrderValidationError: self = .invalid(error.description, field: error.field)
        case let error as HTTPError: self.init(error.status, code: "bad_request", error.message)
        default: self.init(.internalServerError, code: "internal_error", "\(error)")
        }
    }

    package var response: HTTPResponse {
        var body: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let allowed { body["allowed"] = .array(allowed.map(JSONValue.string)) }
        if let field { body["field"] = .string(field) }
        var response = HTTPResponse.json(
            bytes: JSONValue.object(["error": .object(body)]).canonicalBytes, status: status)
        if let retryAfterSeconds { response.headers.set("Retry-After", String(retryAfterSeconds)) }
        if status == .unauthorized { response.headers.set("WWW-Authenticate", "Bearer") }
        return response
    }
}
