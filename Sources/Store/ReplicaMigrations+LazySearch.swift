extension ReplicaMigrations {
    /// The search index is brought up to date when a search runs (`OrderStore+SearchIndex.swift`),
    /// not in every edit's transaction: indexing a created order (tokenising, a new FTS5 segment,
    /// its structure record and incremental merges) was ~5 of ~27 WAL frames per create.
    ///
    /// `search_index.indexed_through` is the watermark: every order with `local_id` at or below
    /// it is in `orders_search` with its current values, and no other row is. Orders above it are
    /// indexed, with their values at that time, by the next search. Hence:
    /// - no insert trigger;
    /// - the update and delete triggers touch the index only for rows at or below the watermark:
    ///   an FTS5 external-content 'delete' of a row that was never inserted corrupts the index.
    ///   The update trigger also skips updates that leave the four columns as they were (a
    ///   re-projection after a pull rewrites every synced column);
    /// - `local_id` reuse: without AUTOINCREMENT SQLite gives a new row the highest `local_id` in
    ///   use plus one, so deleting the highest orders would let a new order take a `local_id` at
    ///   or below the watermark and never be indexed. The delete trigger lowers the watermark to
    ///   the highest `local_id` left, which keeps every new row above it. (AUTOINCREMENT would
    ///   need a rebuild of `orders` and writes `sqlite_sequence` on every insert.)
    /// Every existing order is indexed (by the insert trigger dropped here), so the watermark
    /// starts at the highest `local_id`.
    static let lazySearchIndex = """
        DROP TRIGGER orders_search_after_insert;
        DROP TRIGGER orders_search_after_update;
        DROP TRIGGER orders_search_after_delete;
        -- One row: the highest orders.local_id indexed in orders_search.
        CREATE TABLE search_index (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          indexed_through INTEGER NOT NULL
        );
        INSERT INTO search_index (singleton, indexed_through) SELECT 1, coalesce(max(local_id), 0) FROM orders;
        CREATE TRIGGER orders_search_after_update
        AFTER UPDATE OF order_number, customer_name, customer_email, customer_phone ON orders
        WHEN old.local_id <= (SELECT indexed_through FROM search_index)
          AND (old.order_number IS NOT new.order_number OR old.customer_name IS NOT new.customer_name
               OR old.customer_email IS NOT new.customer_email OR old.customer_phone IS NOT new.customer_phone)
        BEGIN
          INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES ('delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone);
          INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES (new.local_id, new.order_number, new.customer_name, new.customer_email, new.customer_phone);
        END;
        CREATE TRIGGER orders_search_after_delete AFTER DELETE ON orders BEGIN
          INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
          SELECT 'delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone
          WHERE old.local_id <= (SELECT indexed_through FROM search_index);
          UPDATE search_index SET indexed_through = (SELECT coalesce(max(local_id), 0) FROM orders)
          WHERE indexed_through > (SELECT coalesce(max(local_id), 0) FROM orders);
        END;
        """
}
