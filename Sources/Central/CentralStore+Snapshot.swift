import GRDB
import StorageSupport
import SyncCore

extension CentralStore {
    /// `GET /v1/snapshot`: a page of the orders of `shop` (every order when nil) after
    /// `request.after`, each with its merge state (`rows`) and status moves, for a snapshot pinned
    /// at `request.version` (the head, when starting one). Each page is read in one read
    /// transaction at a head at or above the pinned version, so it holds every change up to that
    /// version, and perhaps later ones, which the node's pull from the pinned version merges again
    /// without effect (SYNC-PROTOCOL.md §4.9). Memory: one page.
    package func snapshotPage(_ request: SnapshotRequest, shop: String?) throws(ErrorResponse) -> (
        body: [UInt8], orders: Int
    ) {
        do {
            return try pool.read { db in
                let state = try Row.fetchOne(db, sql: "SELECT head_version, compacted_through FROM central_state")
                let head: Int64 = state?["head_version"] ?? 0
                let horizon: Int64 = state?["compacted_through"] ?? 0
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
                let ids = try Self.snapshotOrderIDs(db, shop: shop, after: request.after, limit: request.limit + 1)
                var orders: [SnapshotOrder] = []
                orders.reserveCapacity(min(ids.count, request.limit))
                for orderID in ids.prefix(request.limit) {
                    orders.append(try Self.snapshotOrder(db, orderID: orderID))
                }
                var total: Int64?
                if request.after == nil { total = try Self.scopeOrderCount(db, shop: shop) }
                let page = SnapshotPage(
                    version: version, orders: orders, nextAfter: orders.last?.orderID,
                    hasMore: ids.count > request.limit, headVersion: head, ordersTotal: total)
                return (page.encoded(), orders.count)
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// Ids of the scope's orders after `after`, ascending: a `shop` scope through `order_shops`
    /// (no other shop's order is read), an `all` scope through `rows` (every order there is).
    static func snapshotOrderIDs(_ db: Database, shop: String?, after: String?, limit: Int) throws -> [String] {
        if let shop {
            return try String.fetchAll(
                db.cachedStatement(
                    sql: "SELECT order_id FROM order_shops WHERE shop = ? AND order_id > ? ORDER BY order_id LIMIT ?"),
                arguments: [shop, after ?? "", limit])
        }
        return try String.fetchAll(
            db.cachedStatement(
                sql: "SELECT DISTINCT order_id FROM rows WHERE order_id > ? ORDER BY order_id LIMIT ?"),
            arguments: [after ?? "", limit])
    }

    static func scopeOrderCount(_ db: Database, shop: String?) throws -> Int64 {
        if let shop {
            return try Int64.fetchOne(db, sql: "SELECT count(*) FROM order_shops WHERE shop = ?", arguments: [shop])
                ?? 0
        }
        return try Int64.fetchOne(db, sql: "SELECT count(DISTINCT order_id) FROM rows") ?? 0
    }

    static func snapshotOrder(_ db: Database, orderID: String) throws -> SnapshotOrder {
        var rows: [RowState] = []
        let cursor = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT entity, row_id, order_id, fields, appended, tombstone FROM rows WHERE order_id = ?"),
            arguments: [orderID])
        while let row = try cursor.next() { rows.append(try RowCodec.decode(row)) }
        let moves = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(StatusMoveRows.columns) FROM status_moves WHERE order_id = ?"),
            arguments: [orderID]
        ).map { row in try StatusMoveRows.decode(row, table: "status_moves") }
        return SnapshotOrder(orderID: orderID, rows: rows, moves: StatusRegister(moves: moves).moves)
    }

    /// The version below which the log was compacted (0: never).
    package func compactedThrough() throws(CentralError) -> Int64 {
        do {
            return try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT compacted_through FROM central_state") ?? 0
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}
