import Foundation
import HTTP
import OrderDomain
import Store

/// An error answer of the local API: `{"error":{"code":…,"message":…}}`, plus `allowed` (the
/// moves the lifecycle accepts) when a status move was refused.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPStatus
    /// Stable, for programs: `not_found`, `bad_request`, `invalid`, `illegal_transition`, …
    public var code: String
    public var message: String
    public var allowed: [String]?

    public init(_ status: HTTPStatus, code: String, _ message: String, allowed: [String]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.allowed = allowed
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }

    /// How the replica's refusals reach a screen: unknown → 404, broken rule → 422, a move the
    /// lifecycle does not allow → 409 naming the allowed moves; storage failures → 500.
    public init(_ error: StoreError) {
        switch error {
        case .orderNotFound, .itemNotFound, .exceptionNotFound:
            self.init(.notFound, code: "not_found", error.description)
        case .ambiguousReference:
            self.init(.badRequest, code: "ambiguous_reference", error.description)
        case .invalid, .money:
            self.init(.unprocessableEntity, code: "invalid", error.description)
        case .transition(let refused):
            self.init(.conflict, code: "illegal_transition", error.description, allowed: refused.allowed.map(\.rawValue))
        default:
            self.init(.internalServerError, code: "internal_error", error.description)
        }
    }

    /// Any error thrown while answering: API errors as they are, store errors mapped, the rest 500.
    public init(any error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as StoreError: self.init(error)
        case let error as OrderValidationError: self.init(.unprocessableEntity, code: "invalid", error.description)
        case let error as HTTPError: self.init(error.status, code: "bad_request", error.message)
        default: self.init(.internalServerError, code: "internal_error", "\(error)")
        }
    }

    public var response: HTTPResponse {
        var body: [String: Any] = ["code": code, "message": message]
        if let allowed { body["allowed"] = allowed }
        let data = (try? JSONSerialization.data(withJSONObject: ["error": body], options: [.sortedKeys])) ?? Data()
        return .json(bytes: Array(data), status: status)
    }
}
