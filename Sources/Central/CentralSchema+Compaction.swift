extension CentralSchema {
    /// Log compaction and snapshot bootstrap (issue 13, SYNC-PROTOCOL.md §4.9–4.10).
    static let logCompaction = """
        -- The log holds versions above this one only; a pull from below it gets 410
        -- cursor_compacted. 0: nothing compacted.
        ALTER TABLE central_state ADD COLUMN compacted_through INTEGER NOT NULL DEFAULT 0;
        -- A shop's snapshot pages through its orders by id.
        CREATE INDEX order_shops_by_shop ON order_shops (shop, order_id);
        -- Order numbers of orders whose creating log entry was compacted away, so the audit
        -- trail is still found by order number (`kct central audit --order NUMBER`).
        CREATE TABLE compacted_order_numbers (
          order_number TEXT NOT NULL COLLATE NOCASE,
          order_id TEXT NOT NULL,
          PRIMARY KEY (order_number, order_id)
        ) WITHOUT ROWID;
        """
}
