extension ReplicaMigrations {
    /// The overdue list without reading an order's row or its contribution per candidate
    /// (`OrderStore.overdueOpen`). It read every open order past its needed-by day from
    /// `orders_open_by_deadline`, then the order's row (for its id) and its `analytics_orders` row
    /// (is it ready?): two random reads into the largest tables per candidate, most of a 30-day
    /// analytics call at a million orders (~5,600 candidates).
    ///
    /// - `orders_open_by_needed_by` holds the candidates in the list's order, status included, so
    ///   the index alone answers (its `local_id` is the row's);
    /// - `analytics_open_ready` holds the open orders that have been ready (a few hundred: shipped
    ///   and on their way, or held after shipping): a candidate is overdue unless it is there. The
    ///   analytics catch-up keeps it with each order's contribution (`analytics_orders.ready` is
    ///   no longer read). Whether an order is open is its status, so a change of status now marks
    ///   the order pending too (a pulled status can arrive without its history entry).
    ///   Keyed by `local_id`, with the order's id to take it out by: a deleted order's `local_id`
    ///   can be reused before the catch-up takes its row out (it then belongs to the new order).
    static let analyticsOverdue = """
        -- Open orders that have been ready (shipped or later); kept by the analytics catch-up.
        CREATE TABLE analytics_open_ready (
          local_id INTEGER PRIMARY KEY,
          order_id TEXT NOT NULL UNIQUE
        );
        CREATE INDEX orders_open_by_needed_by ON orders (needed_by, order_number, status)
        WHERE needed_by IS NOT NULL AND status NOT IN (\(terminalStatuses));
        CREATE TRIGGER analytics_after_status AFTER UPDATE OF status ON orders
        WHEN old.status IS NOT new.status BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (new.id) ON CONFLICT (order_id) DO NOTHING;
        END;
        INSERT INTO analytics_open_ready (local_id, order_id)
        SELECT orders.local_id, orders.id FROM orders INDEXED BY orders_open_by_age
        JOIN analytics_orders ON analytics_orders.order_id = orders.id
        WHERE orders.status NOT IN (\(terminalStatuses)) AND analytics_orders.ready = 1;
        """
}
