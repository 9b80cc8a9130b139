extension ReplicaMigrations {
    /// The dashboard's counts and sums (`OrderStore.stats`), kept by triggers on `orders` so a
    /// call reads a few dozen rows instead of grouping every order. One row per (status, resume
    /// status, priority, currency) that has orders: how many and the sum of their `total_amount`.
    /// `resume_status` is '' for none (a primary key column cannot hold NULL usefully). The
    /// business rules (which statuses are pending, paid, …) stay in `DashboardStats`; the triggers
    /// only count. Every write of `orders` fires them, the local write path and the projection of
    /// pulled changes alike (an upsert's update fires the update trigger).
    static let orderCounts = """
        CREATE TABLE order_counts (
          status TEXT NOT NULL,
          resume_status TEXT NOT NULL,
          priority TEXT NOT NULL,
          currency TEXT NOT NULL,
          order_count INTEGER NOT NULL,
          total_minor_units INTEGER NOT NULL,
          PRIMARY KEY (status, resume_status, priority, currency)
        ) WITHOUT ROWID;
        INSERT INTO order_counts (status, resume_status, priority, currency, order_count, total_minor_units)
        SELECT status, coalesce(resume_status, ''), priority, currency, count(*), sum(total_amount) FROM orders
        GROUP BY status, coalesce(resume_status, ''), priority, currency;
        CREATE TRIGGER order_counts_after_insert AFTER INSERT ON orders BEGIN
          \(countIn("new"))
        END;
        CREATE TRIGGER order_counts_after_delete AFTER DELETE ON orders BEGIN
          \(countOut("old"))
        END;
        CREATE TRIGGER order_counts_after_update
        AFTER UPDATE OF status, resume_status, priority, currency, total_amount ON orders
        WHEN old.status IS NOT new.status OR old.resume_status IS NOT new.resume_status
          OR old.priority IS NOT new.priority OR old.currency IS NOT new.currency
          OR old.total_amount IS NOT new.total_amount
        BEGIN
          \(countOut("old"))
          \(countIn("new"))
        END;
        """

    /// Adds the `row` (`new` or `old`) of a trigger on `orders` to its group.
    private static func countIn(_ row: String) -> String {
        let key = "\(row).status, coalesce(\(row).resume_status, ''), \(row).priority, \(row).currency"
        return """
            INSERT INTO order_counts (status, resume_status, priority, currency, order_count, total_minor_units)
              VALUES (\(key), 1, \(row).total_amount)
              ON CONFLICT (status, resume_status, priority, currency) DO UPDATE SET
                order_count = order_count + 1, total_minor_units = total_minor_units + excluded.total_minor_units;
            """
    }

    /// Removes the `row` of a trigger on `orders` from its group; a group left with no orders is
    /// deleted, so the table holds only groups in use.
    private static func countOut(_ row: String) -> String {
        let matches = """
            status = \(row).status AND resume_status = coalesce(\(row).resume_status, '')
                AND priority = \(row).priority AND currency = \(row).currency
            """
        return """
            UPDATE order_counts SET order_count = order_count - 1,
                total_minor_units = total_minor_units - \(row).total_amount
              WHERE \(matches);
              DELETE FROM order_counts WHERE order_count = 0 AND \(matches);
            """
    }
}
