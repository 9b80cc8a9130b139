import Foundation
import HTTP
import JSONViews
import OrderDomain
import Store

/// Exceptions and the communication log: `POST /api/orders/:ref/exceptions` (201, the exception
/// as `kct exceptions open --json`), `POST /api/exceptions/:id/resolve` (the exception),
/// `POST /api/orders/:ref/communications` (201, the order as `kct orders log --json`).
extension LocalAPI {
    /// `{"exception_type", "exception_severity" (default medium), "description", "customer_notified"}`.
    func openException(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        let body = try APIBody(
            request, allowed: ["exception_type", "exception_severity", "description", "customer_notified"])
        let draft = ExceptionDraft(
            type: try body.text("exception_type", required: true) ?? "",
            severity: try body.choice("exception_severity") ?? .medium,
            description: try body.text("description"), customerNotified: try body.bool("customer_notified") ?? false)
        editAnswering(responder, token, status: .created) { store, actor in
            let exception = try store.openException(on: reference, draft, by: actor)
            return (exception.orderID, try APIJSON.encode(ExceptionJSON(exception)))
        }
    }

    /// `{"resolution_status" (default resolved; or dismissed, investigating), "resolution_notes",
    /// "customer_notified"}`; `:id` is the exception's id or a unique prefix of it.
    func resolveException(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["id"] ?? ""
        let body = try APIBody(request, allowed: ["resolution_status", "resolution_notes", "customer_notified"])
        let resolution: ExceptionResolution = try body.choice("resolution_status") ?? .resolved
        let notes = try body.text("resolution_notes")
        let notified = try body.bool("customer_notified")
        editAnswering(responder, token) { store, actor in
            let exception = try store.resolveException(
                reference, to: resolution, notes: notes, customerNotified: notified, by: actor)
            return (exception.orderID, try APIJSON.encode(ExceptionJSON(exception)))
        }
    }

    /// `{"communication_type" (default note), "communication_channel" (default email), "message_content"}`.
    func logCommunication(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        let body = try APIBody(request, allowed: ["communication_type", "communication_channel", "message_content"])
        let draft = CommunicationDraft(
            type: try body.choice("communication_type") ?? .note,
            channel: try body.choice("communication_channel") ?? .email,
            message: try body.text("message_content", required: true) ?? "")
        edit(responder, token, status: .created) { store, actor in
            try store.logCommunication(on: reference, draft, by: actor)
            let detail = try store.detail(reference)
            return (detail.order.id, detail)
        }
    }
}
