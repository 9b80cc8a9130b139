import EventLoop
import HTTP
import SyncCore

extension CentralEndpoints {
    /// `GET /v1/checksums[?first=A&last=B]` (SYNC-PROTOCOL.md §4.11), scoped like a pull.
    func checksums(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let buckets: ClosedRange<Int>
        do {
            try Self.checkVersionHeader(request)
            buckets = try BucketChecksum.range(query: request.query)
        } catch {
            return fail(responder, error)
        }
        scopedRead(request, responder) { store, shop throws(ErrorResponse) in
            try store.checksums(shop: shop, buckets: buckets).encoded()
        }
    }

    /// `GET /v1/buckets/:bucket` (SYNC-PROTOCOL.md §4.11), scoped like a pull.
    func bucket(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let bucket: Int
        do {
            try Self.checkVersionHeader(request)
            try Self.refuseQuery(request)
            bucket = try BucketResponse.bucket(path: request.pathParameters["bucket"] ?? "")
        } catch {
            return fail(responder, error)
        }
        scopedRead(request, responder) { store, shop throws(ErrorResponse) in
            try store.bucket(bucket, shop: shop).encoded()
        }
    }

    /// A read of the token's scope (its shop, or nil for every shop) on the thread pool, the
    /// request already checked; the body gzipped when worth it. `sent` runs once it is answered.
    func scopedRead(
        _ request: HTTPRequest, _ responder: HTTPResponder,
        _ read: @escaping @Sendable (CentralStore, String?) throws(ErrorResponse) -> [UInt8],
        sent: @escaping () -> Void = {}
    ) {
        let token = request.bearerToken
        let store = self.store
        let acceptsGzip = request.acceptsGzip
        offloaded(
            responder,
            { () throws(ErrorResponse) in
                let node = try store.authenticate(token: token)
                return Self.compressedIfWorthIt(try read(store, node.readableShop), gzip: acceptsGzip)
            }
        ) { body in
            responder.send(Self.jsonResponse(body))
            sent()
        }
    }

    private static func refuseQuery(_ request: HTTPRequest) throws(ErrorResponse) {
        if let name = request.query.keys.sorted().first {
            throw ErrorResponse(
                code: .invalidMessage, message: "\(request.path) takes no query parameter, not '\(name)'")
        }
    }
}
