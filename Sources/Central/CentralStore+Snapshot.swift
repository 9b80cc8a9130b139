import StorageSupport
import SyncCore

extension CentralStore {
    /// `GET /v1/snapshot`: a page of the orders of `shop` (every order when nil) after
    /// `request.after`, each with its merge state (`rows`) and status moves, for a snapshot pinned
    /// at `request.version` (the head, when starting one), in `form`. Each page is read in one read
    /// transaction at a head at or above the pinned version, so it holds every change up to that
    /// version, and perhaps later ones, which the node's pull from the pinned version merges again
    /// without effect (SYNC-PROTOCOL.md §4.9). Memory: one page.
    package func snapshotPage(_ request: SnapshotRequest, shop: String?, form: SnapshotPageForm = .json)
        throws(ErrorResponse) -> (body: [UInt8], orders: Int)
    {
        do {
            return try database.read { conn in
                let (head, horizon) = try Self.headAndHorizon(conn)
                let version = request.version ?? head
                if version < horizon {
                    throw ErrorResponse(
                        code: .cursorCompacted,
                        message: "the snapshot was pinned at version \(version), and central's log now starts after "
                            + "\(horizon); start the snapshot again")
                }
                guard version <= head else {
                    throw ErrorResponse(
                        code: .invalidCursor, message: "version \(version) is beyond central's head (\(head))")
                }
                let ids = try Self.snapshotOrderIDs(conn, shop: shop, after: request.after, limit: request.limit + 1)
                let pageIDs = ids.prefix(request.limit)
                var total: Int64?
                if request.after == nil { total = try Self.scopeOrderCount(conn, shop: shop) }
                switch form {
                case .json:
                    var orders: [SnapshotOrder] = []
                    orders.reserveCapacity(pageIDs.count)
                    for orderID in pageIDs {
                        orders.append(try Self.snapshotOrder(conn, orderID: orderID))
                    }
                    let page = SnapshotPage(
                        version: version, orders: orders, nextAfter: orders.last?.orderID,
                        hasMore: ids.count > request.limit, headVersion: head, ordersTotal: total)
                    return (page.encoded(), orders.count)
                case .compact:
                    // The stored bytes of each row go into the page as they are: nothing decoded.
                    var encoder = SnapshotPageCodec.Encoder()
                    for orderID in pageIDs {
                        var rows: [SnapshotPageCodec.StoredRow] = []
                        try conn.forEachRow(RowCodec.selectByOrderSQL, [.text(orderID)]) { row in
                            rows.append(try SnapshotPageCodec.StoredRow(row, table: "rows"))
                            return true
                        }
                        encoder.append(
                            orderID: orderID, rows: rows, moves: try Self.snapshotMoves(conn, orderID: orderID))
                    }
                    let body = encoder.encoded(
                        version: version, hasMore: ids.count > request.limit, headVersion: head, ordersTotal: total)
                    return (body, encoder.orderCount)
                }
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// Ids of the scope's orders after `after`, ascending: a `shop` scope through `order_shops`
    /// (no other shop's order is read), an `all` scope through `rows` (every order there is).
    static func snapshotOrderIDs(_ conn: any SQLConnection, shop: String?, after: String?, limit: Int) throws
        -> [String]
    {
        if let shop {
            return try conn.fetchValues(
                "SELECT order_id FROM order_shops WHERE shop = ? AND order_id > ? ORDER BY order_id LIMIT ?",
                [.text(shop), .text(after ?? ""), .integer(Int64(limit))])
        }
        return try conn.fetchValues(
            "SELECT DISTINCT order_id FROM rows WHERE order_id > ? ORDER BY order_id LIMIT ?",
            [.text(after ?? ""), .integer(Int64(limit))])
    }

    static func scopeOrderCount(_ conn: any SQLConnection, shop: String?) throws -> Int64 {
        if let shop {
            return try conn.fetchValue("SELECT count(*) FROM order_shops WHERE shop = ?", [.text(shop)]) ?? 0
        }
        return try conn.fetchValue("SELECT count(DISTINCT order_id) FROM rows") ?? 0
    }

    static func snapshotOrder(_ conn: any SQLConnection, orderID: String) throws -> SnapshotOrder {
        var rows: [RowState] = []
        try conn.forEachRow(RowCodec.selectByOrderSQL, [.text(orderID)]) { row in
            rows.append(try RowCodec.decode(row))
            return true
        }
        return SnapshotOrder(orderID: orderID, rows: rows, moves: try snapshotMoves(conn, orderID: orderID))
    }

    /// One order's status moves, as its register holds them.
    static func snapshotMoves(_ conn: any SQLConnection, orderID: String) throws -> [StatusMove] {
        let moves = try conn.fetchAll(StatusMoveRows.selectByOrderSQL, [.text(orderID)]).map { row in
            try StatusMoveRows.decode(row, table: "status_moves")
        }
        return StatusRegister(moves: moves).moves
    }

    /// The log's head and the version below which it was compacted (0: never).
    static func headAndHorizon(_ conn: any SQLConnection) throws -> (head: Int64, horizon: Int64) {
        guard let state = try conn.fetchOne("SELECT head_version, compacted_through FROM central_state") else {
            return (0, 0)
        }
        return (
            try state.read("head_version", table: "central_state"),
            try state.read("compacted_through", table: "central_state")
        )
    }

    /// The version below which the log was compacted (0: never).
    package func compactedThrough() throws(CentralError) -> Int64 {
        do {
            return try database.read { conn in try Self.headAndHorizon(conn).horizon }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}
