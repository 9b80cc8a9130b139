import Foundation
import HTTP
import JSONViews
import Store

/// Settling this workstation's conflicts: `POST /api/conflicts/:id/reapply` (the losing value
/// becomes a new edit, checked like any edit) and `POST /api/conflicts/:id/dismiss`; both answer
/// with the conflict as `kct conflicts show --json`.
extension LocalAPI {
    func reapplyConflict(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let id = try Self.conflictID(request)
        editAnswering(responder, token) { store, actor in
            let conflict = try store.reapplyConflict(id, by: actor)
            return (conflict.orderID, try APIJSON.encode(ConflictJSON(conflict)))
        }
    }

    /// Queues nothing, but open pages are told (SSE) so their conflict counts change.
    func dismissConflict(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let id = try Self.conflictID(request)
        editAnswering(responder, token) { store, actor in
            let conflict = try store.dismissConflict(id, by: actor)
            return (conflict.orderID, try APIJSON.encode(ConflictJSON(conflict)))
        }
    }

    static func conflictID(_ request: HTTPRequest) throws(APIError) -> Int64 {
        let text = request.pathParameters["id"] ?? ""
        guard let id = Int64(text), id > 0 else {
            throw .badRequest("conflict id '\(text)' is not a number (see GET /api/conflicts)")
        }
        return id
    }
}
