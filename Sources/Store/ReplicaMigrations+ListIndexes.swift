extension ReplicaMigrations {
    /// Order lists page through an index in their display order (newest first) instead of
    /// sorting every order that matches (`OrderStore.orderPage`):
    /// - `orders_by_status_priority_created`: one (status, priority) pair's orders in time order;
    ///   a list filtered by status and/or priority reads at most a page from each pair it asks for
    ///   and merges them, so any mix of the two filters is an index range, never a sort;
    /// - `orders_by_created`: the unfiltered list.
    /// They replace the single-column `orders_by_status`, `orders_by_priority` and
    /// `orders_by_created_at`, which nothing else read: one b-tree fewer per created order.
    ///
    /// `order_status_history_by_time` finds the orders moved since a day, so processing analytics
    /// over a period reads the history of those orders only (`OrderStore.analytics`), not all of it.
    static let listIndexes = """
        DROP INDEX orders_by_status;
        DROP INDEX orders_by_priority;
        DROP INDEX orders_by_created_at;
        CREATE INDEX orders_by_status_priority_created ON orders (status, priority, created_at, order_number);
        CREATE INDEX orders_by_created ON orders (created_at, order_number);
        CREATE INDEX order_status_history_by_time ON order_status_history (changed_at, order_id);
        """
}
