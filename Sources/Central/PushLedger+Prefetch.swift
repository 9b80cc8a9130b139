import StorageSupport
import SyncCore

extension PushLookups {
    /// Keys looked up per statement by `prefetch`; unused places are NULL, so every chunk is the
    /// same statement text (prepared once).
    static let prefetchChunk = 100

    /// Reads, a hundred per statement, what the rules and the merge would otherwise ask one change
    /// at a time: the shop of every order the push names and where each row it names lives (or
    /// that it does not exist yet); then loads the named orders that exist into the replica
    /// cache. On PostgreSQL this runs before the push takes the log's lock, so that pushes in
    /// other processes go on meanwhile; `forget` then drops what they changed. Rows already in
    /// the replica cache are not asked for.
    func prefetch(_ changes: [Change], cache: ReplicaCache, conn: any SQLConnection) throws {
        var orderIDs: [String] = []
        var seenOrders: Set<String> = []
        var keys: [RowKey] = []
        var seenKeys: Set<RowKey> = []
        for change in changes where change.nodeID != ChangeValidator.centralNodeID {
            if seenOrders.insert(change.orderID).inserted { orderIDs.append(change.orderID) }
            let key = RowKey(change.entity, change.rowID)
            if change.operation != .setStatus, !cache.holds(key), seenKeys.insert(key).inserted { keys.append(key) }
        }
        let placeholders = Array(repeating: "?", count: Self.prefetchChunk).joined(separator: ", ")
        for chunk in orderIDs.chunked(Self.prefetchChunk) {
            for orderID in chunk { shops[orderID] = .some(nil) }
            let arguments = chunk.map { SQLValue.text($0) } + Self.padding(Self.prefetchChunk - chunk.count)
            try conn.forEachRow(
                "SELECT order_id, shop FROM order_shops WHERE order_id IN (\(placeholders))", arguments
            ) { row in
                shops[try row.read("order_id", table: "order_shops")] = .some(
                    try row.read("shop", table: "order_shops", as: String.self))
                return true
            }
        }
        let pairs = Array(repeating: "(?, ?)", count: Self.prefetchChunk).joined(separator: ", ")
        for chunk in keys.chunked(Self.prefetchChunk) {
            var absent = Set(chunk)
            let arguments =
                chunk.flatMap { [SQLValue.text($0.entity.rawValue), .text($0.rowID)] }
                + Self.padding(2 * (Self.prefetchChunk - chunk.count))
            // A join from the keys, searched by primary key: SQLite answers `(entity, row_id) IN
            // (…)` by scanning all of `rows`.
            try conn.forEachRow(
                """
                SELECT r.entity, r.row_id, r.order_id FROM (VALUES \(pairs)) AS k JOIN rows AS r
                  ON r.entity = k.column1 AND r.row_id = k.column2
                """, arguments
            ) { row in
                let key = RowKey(
                    try row.read("entity", table: "rows", as: EntityKind.self), try row.read("row_id", table: "rows"))
                absent.remove(key)
                rowOrders[key] = try row.read("order_id", table: "rows", as: String.self)
                return true
            }
            absentRows.formUnion(absent)
        }
        // Orders central knows: the merge reads their rows and status moves.
        for orderID in orderIDs where shops[orderID] ?? nil != nil {
            _ = cache.order(orderID, conn)
        }
    }

    /// Before the push is settled again under the lock (`PushDraft`): drops what it read before
    /// the lock of the orders and rows that log entries appended since then touched
    /// (`ReplicaCache.synchronize` drops them from the cache), and the accounts; they are read
    /// again when asked for. Every change to a shop or a row is such an entry.
    func forget(_ caughtUp: ReplicaCache.CatchUp) {
        accounts.removeAll()
        readOrders.removeAll()
        readRows.removeAll()
        switch caughtUp {
        case .nothing: return
        case .entries(let orders, let rows):
            for orderID in orders { shops.removeValue(forKey: orderID) }
            for key in rows {
                absentRows.remove(key)
                rowOrders.removeValue(forKey: key)
            }
        case .everything:
            shops.removeAll()
            absentRows.removeAll()
            rowOrders.removeAll()
        }
    }

    private static func padding(_ count: Int) -> [SQLValue] { Array(repeating: .null, count: count) }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
