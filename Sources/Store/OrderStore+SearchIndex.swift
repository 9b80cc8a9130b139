import GRDB

/// Brings the full-text index up to date when a search needs it, off the edit path (the
/// watermark and triggers: `ReplicaMigrations.lazySearchIndex`).
///
/// A search first indexes the orders created or pulled since the last one, in short write
/// transactions of `searchIndexBatch` orders each. That needs the write lock: if another process
/// holds it, the search waits like an edit does (the 30 s busy timeout). If the index still
/// cannot be written (any database error: the lock held longer than that, a full disk), the
/// search does not fail: it matches the not-yet-indexed orders in a temporary FTS5 table of its
/// own read connection, so its answer is the same, and the next search tries the catch-up again.
/// (Opening a replica already needs write access: `OrderStore.open` runs the migrator, which
/// takes the write lock.)
extension OrderStore {
    /// Orders indexed per write transaction by a catch-up. Batches bound the memory a catch-up
    /// needs (FTS5 keeps a transaction's new terms in memory and SQLite its dirty pages) and how
    /// long it holds the write lock, whatever the number of orders waiting: the first search of
    /// a replica that gained a million orders by a bootstrap indexes them 10,000 at a time.
    static let searchIndexBatch = 10_000

    /// Page cache of the writer during a catch-up (search index, analytics), in KiB: a catch-up
    /// reads each order once, so the edit path's large cache (`writerCacheKiB`) would only fill
    /// with pages nobody needs again soon, and raise the process's memory by as much.
    static let catchUpCacheKiB = 2_048

    /// Runs `body` (batches of writes) with the writer's page cache at `catchUpCacheKiB`, then
    /// gives the writer its usual cache back.
    func withCatchUpCache<T>(_ body: () throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -\(Self.catchUpCacheKiB)") }
        defer {
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
            }
        }
        return try body()
    }

    /// Indexes the orders above the watermark, if any, a batch per transaction. Returns false
    /// when the index could not be written; the search then matches the orders still above the
    /// watermark itself (`pendingSearchCondition`).
    func catchUpSearchIndex() throws(StoreError) -> Bool {
        guard try read(Self.searchIndexIsBehind) else { return true }
        do {
            try withCatchUpCache {
                while try pool.write({ db in try Self.indexNewOrders(db, limit: Self.searchIndexBatch) }) > 0 {}
            }
            return true
        } catch is DatabaseError {
            return false
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Whether some order has a `local_id` above the watermark (two b-tree lookups).
    static func searchIndexIsBehind(_ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT coalesce((SELECT max(local_id) FROM orders), 0) > coalesce((SELECT indexed_through FROM
                  search_index), 0)
                """) ?? false
    }

    /// In a write transaction: indexes the `limit` orders just above the watermark with their
    /// current values and raises the watermark to the highest `local_id` of them, so every order
    /// at or below it stays indexed and no other. Returns how many orders it indexed.
    @discardableResult
    static func indexNewOrders(_ db: Database, limit: Int = .max) throws -> Int {
        let through = try Int64.fetchOne(db, sql: "SELECT indexed_through FROM search_index") ?? 0
        guard
            let last = try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(local_id) FROM (SELECT local_id FROM orders WHERE local_id > ? ORDER BY local_id
                      LIMIT ?)
                    """,
                arguments: [through, limit])
        else {
            return 0
        }
        try db.execute(
            sql: """
                INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
                SELECT local_id, order_number, customer_name, customer_email, customer_phone FROM orders WHERE
                  local_id > ? AND local_id <= ?
                """, arguments: [through, last])
        let indexed = db.changesCount
        // An upsert, so that a schema made from schema/replica.sql (which has no rows) works too.
        try db.execute(
            sql: """
                INSERT INTO search_index (singleton, indexed_through) VALUES (1, ?)
                ON CONFLICT (singleton) DO UPDATE SET indexed_through = excluded.indexed_through
                """, arguments: [last])
        return indexed
    }

    /// In a read: fills `temp.orders_search_pending` (this connection's own, so it needs no write
    /// lock on the replica) with the orders above the watermark and returns a condition on
    /// `orders.local_id` that matches the FTS5 query (bound twice) in both indexes. Same columns
    /// and tokenizer as `orders_search`, so it matches exactly what that index would.
    static func pendingSearchCondition(_ db: Database) throws -> String {
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.orders_search_pending USING fts5(
                  order_number, customer_name, customer_email, customer_phone,
                  content = '', tokenize = 'unicode61 remove_diacritics 2', columnsize = 0, detail = none
                );
                INSERT INTO temp.orders_search_pending (orders_search_pending) VALUES ('delete-all');
                INSERT INTO temp.orders_search_pending (rowid, order_number, customer_name, customer_email,
                  customer_phone)
                SELECT local_id, order_number, customer_name, customer_email, customer_phone FROM main.orders
                WHERE local_id > coalesce((SELECT indexed_through FROM main.search_index), 0);
                """)
        return """
            (local_id IN (SELECT rowid FROM orders_search WHERE orders_search MATCH ?)
             OR local_id IN (SELECT rowid FROM temp.orders_search_pending WHERE orders_search_pending MATCH ?))
            """
    }
}
