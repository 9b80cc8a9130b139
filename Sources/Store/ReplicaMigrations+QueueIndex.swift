extension ReplicaMigrations {
    /// The queue is read from two partial indexes of open orders (`OrderStore.queue`,
    /// `QueueSegment`) instead of a table of every open order's score and position rewritten by
    /// each `kct queue`: that rewrite was a write transaction over all open orders (0.4 s with
    /// 20,000), and its positions were stale a minute later anyway. Nothing read the table.
    /// Terminal orders are left out of both indexes, so they cost nothing as history grows.
    static let queueIndexes = """
        DROP TABLE order_priority_queue;
        CREATE INDEX orders_open_by_deadline ON orders (priority, needed_by, created_at, order_number)
        WHERE status NOT IN (\(terminalStatuses));
        CREATE INDEX orders_open_by_age ON orders (priority, created_at, order_number)
        WHERE status NOT IN (\(terminalStatuses));
        """
}
