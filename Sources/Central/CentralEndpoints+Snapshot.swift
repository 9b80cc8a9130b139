import EventLoop
import HTTP
import StorageSupport
import SyncCore

extension CentralEndpoints {
    /// `GET /v1/snapshot?version=V&after=ORDER&limit=N` (SYNC-PROTOCOL.md §4.9): a page of the
    /// token's scope, filtered exactly as a pull is; compact when asked at version 4 (§4.9.1).
    func snapshot(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let snapshotRequest: SnapshotRequest
        let form: SnapshotPageForm
        do {
            form = SnapshotPageForm(
                requestVersion: try Self.checkVersionHeader(request, accepting: ProtocolVersion.snapshotVersions))
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
                let body = try store.snapshotPage(snapshotRequest, shop: node.readableShop, form: form).body
                // A compact page is not gzipped: on loopback gzip cost more than it saved
                // (SYNC-PROTOCOL.md §4.9.1 has the figures; over a LAN it would pay).
                return Self.compressedIfWorthIt(body, gzip: acceptsGzip && form == .json)
            }
        ) { body in
            var response = Self.jsonResponse(body)
            if form == .compact { response.headers.set("Content-Type", SnapshotPageCodec.contentType) }
            responder.send(response)
        }
    }
}
