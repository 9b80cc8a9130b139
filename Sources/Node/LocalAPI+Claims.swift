import Foundation
import HTTP
import JSONViews
import Store

/// Queue claims: `POST /api/orders/:ref/claim` (201, the claim `{"by","name","at","stage"}`) and
/// `DELETE /api/orders/:ref/claim` (the claim released): replicated edits through the same write
/// path as `kct queue claim|release`.
extension LocalAPI {
    func claimOrder(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) {
        let reference = request.pathParameters["ref"] ?? ""
        editAnswering(responder, token, status: .created) { store, actor in
            let holder = try store.claimOrder(reference, by: actor)
            return (try store.order(reference).id, try APIJSON.encode(ClaimJSON(holder)))
        }
    }

    func releaseClaim(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) {
        let reference = request.pathParameters["ref"] ?? ""
        editAnswering(responder, token) { store, actor in
            let released = try store.releaseClaim(reference, by: actor)
            return (try store.order(reference).id, try APIJSON.encode(ClaimJSON(released)))
        }
    }
}
