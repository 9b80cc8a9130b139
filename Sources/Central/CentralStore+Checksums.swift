import StorageSupport
import SyncCore

extension CentralStore {
    /// `GET /v1/checksums`: the checksums of `buckets` over the orders `shop` may read (every
    /// order when nil), with the log version they are at. One read transaction, so the checksums
    /// and the version are of one state. Lists the scope's order ids and reads those of
    /// `buckets` one at a time (bounded memory; nothing is cached between requests).
    package func checksums(shop: String?, buckets: ClosedRange<Int> = BucketChecksum.allBuckets) throws(ErrorResponse)
        -> ChecksumsResponse
    {
        do {
            return try database.read { conn in
                let version = try Self.headVersion(conn)
                var checksums = ScopeChecksums()
                try Self.forEachOrderID(conn, shop: shop) { orderID in
                    guard buckets.contains(BucketChecksum.bucket(ofOrder: orderID)) else { return }
                    if let visible = try Self.orderState(conn, orderID: orderID).visible {
                        checksums.add(orderID: orderID, digest: visible.digest)
                    }
                }
                return ChecksumsResponse(version: version, buckets: checksums.buckets)
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// `GET /v1/buckets/N`: the merge state of every order of bucket N that `shop` may read,
    /// and the log version it is at (one read transaction).
    package func bucket(_ bucket: Int, shop: String?) throws(ErrorResponse) -> BucketResponse {
        do {
            return try database.read { conn in
                let version = try Self.headVersion(conn)
                var orders: [OrderState] = []
                try Self.forEachOrderID(conn, shop: shop) { orderID in
                    guard BucketChecksum.bucket(ofOrder: orderID) == bucket else { return }
                    orders.append(try Self.orderState(conn, orderID: orderID))
                }
                return BucketResponse(version: version, bucket: bucket, orders: orders)
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    static func headVersion(_ conn: any SQLConnection) throws -> Int64 {
        try conn.fetchValue("SELECT head_version FROM central_state") ?? 0
    }

    /// The orders of `shop` (as pulls scope them: by `order_shops`), or every order with rows,
    /// read as they come while `body` loads each order on the same connection.
    static func forEachOrderID(_ conn: any SQLConnection, shop: String?, _ body: (String) throws -> Void) throws {
        let (table, sql, arguments): (String, String, [SQLValue]) =
            if let shop {
                ("order_shops", "SELECT order_id FROM order_shops WHERE shop = ?", [.text(shop)])
            } else {
                ("rows", "SELECT DISTINCT order_id FROM rows", [])
            }
        try conn.forEachRow(sql, arguments) { row in
            try body(try row.read(at: 0, table: table, as: String.self))
            return true
        }
    }

    static func orderState(_ conn: any SQLConnection, orderID: String) throws -> OrderState {
        let state = try OrderMergeState.load(conn, orderID: orderID)
        return OrderState(orderID: orderID, rows: Array(state.rows.values), moves: state.register.moves)
    }
}
