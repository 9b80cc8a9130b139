import EventLoop
import HTTP
import SyncCore

extension CentralEndpoints {
    /// `GET /v1/snapshot?version=V&after=ORDER&limit=N` (SYNC-PROTOCOL.md §4.9): a page of the
    /// token's scope, filtered exactly as a pull is.
    func snapshot(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let snapshotRequest: SnapshotRequest
        do {
            try Self.checkVersionHeader(request)
            snapshotRequest = try SnapshotRequest(query: request.query)
        } catch {
            fail(responder, error)
            return
        }
        let token = request.bearerToken
        let store = self.store
        let acceptsGzip = request.acceptsGzip
        offloaded(
            responder,
            { () throws(ErrorResponse) in
                let node = try store.authenticate(token: token)
                return Self.compressedIfWorthIt(
                    try store.snapshotPage(snapshotRequest, shop: node.readableShop).body, gzip: acceptsGzip)
            }
        ) { body in
            responder.send(Self.jsonResponse(body))
        }
    }
}
