import EventLoop
import HTTP
import SyncCore

extension CentralEndpoints {
    /// `GET /v1/accounts[?known=V]` (SYNC-PROTOCOL.md §4.5).
    func accounts(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let known: Int64?
        do {
            try Self.checkVersionHeader(request)
            known = try Self.knownVersion(request.query["known"])
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
                Self.compressedIfWorthIt(
                    try store.accountsResponse(token: token, known: known).encoded(), gzip: acceptsGzip)
            }
        ) { body in
            responder.send(Self.jsonResponse(body))
        }
    }

    static func knownVersion(_ text: String?) throws(ErrorResponse) -> Int64? {
        guard let text else { return nil }
        guard let version = Int64(text), version >= 0 else {
            throw ErrorResponse(
                code: .invalidMessage,
                message: "known must be an account version (a whole number ≥ 0), got '\(text)'")
        }
        return version
    }

    /// `POST /v1/audit` (SYNC-PROTOCOL.md §4.6).
    func audit(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let token = request.bearerToken
        let store = self.store
        offloaded(
            responder,
            { () throws(ErrorResponse) in
                try store.recordAuthEvents(body: try Self.jsonPayload(request, of: "audit"), token: token).encoded()
            }
        ) { body in
            responder.send(.json(bytes: body))
        }
    }
}
