extension ReplicaMigrations {
    /// Processing analytics from per-day totals instead of every order's history per call
    /// (`OrderStore+AnalyticsTotals.swift`). Each order's contribution (`AnalyticsContribution`,
    /// computed by OrderDomain from its history) is kept in `analytics_orders` and summed per day
    /// into the three totals tables; a period's figures then read the period's days only.
    ///
    /// Like the search index, contributions are brought up to date by the next analytics call,
    /// not in the edit's transaction: triggers only note the orders whose history or needed-by
    /// date changed (or that are gone) in `analytics_pending`, one small insert per status move.
    /// (An upsert's DO NOTHING, not INSERT OR IGNORE: a trigger's OR IGNORE gives way to the conflict
    /// policy of the statement that fired it, and the projection's upserts would then fail.)
    /// Every order with history starts pending, so the first call computes them all.
    static let analyticsTotals = """
        -- Orders whose contribution below is out of date.
        CREATE TABLE analytics_pending (order_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
        -- Each order's contribution as last summed into the totals (to take it out again), and
        -- whether the order has been ready (shipped or later): the overdue list needs it.
        CREATE TABLE analytics_orders (
          order_id TEXT PRIMARY KEY NOT NULL,
          ready INTEGER NOT NULL CHECK (ready IN (0, 1)),
          contribution TEXT NOT NULL CHECK (json_valid(contribution))
        ) WITHOUT ROWID;
        -- Per day the stages ended: how many orders took each number of minutes.
        CREATE TABLE analytics_stage_minutes (
          stage TEXT NOT NULL,
          day TEXT NOT NULL,
          minutes INTEGER NOT NULL,
          orders INTEGER NOT NULL,
          PRIMARY KEY (day, stage, minutes)
        ) WITHOUT ROWID;
        -- Per day: orders with a needed-by date that became ready, and how many in time.
        CREATE TABLE analytics_ready_days (
          day TEXT PRIMARY KEY NOT NULL,
          due INTEGER NOT NULL,
          on_time INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- Per day and person: forward moves, and how many of them first shipped an order.
        CREATE TABLE analytics_work_days (
          day TEXT NOT NULL,
          person TEXT NOT NULL,
          moves INTEGER NOT NULL,
          orders_shipped INTEGER NOT NULL,
          PRIMARY KEY (day, person)
        ) WITHOUT ROWID;
        CREATE TRIGGER analytics_after_history_insert AFTER INSERT ON order_status_history BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (new.order_id) ON CONFLICT (order_id) DO NOTHING;
        END;
        CREATE TRIGGER analytics_after_history_update AFTER UPDATE ON order_status_history BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (old.order_id), (new.order_id)
            ON CONFLICT (order_id) DO NOTHING;
        END;
        CREATE TRIGGER analytics_after_history_delete AFTER DELETE ON order_status_history BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (old.order_id) ON CONFLICT (order_id) DO NOTHING;
        END;
        CREATE TRIGGER analytics_after_needed_by AFTER UPDATE OF needed_by ON orders
        WHEN old.needed_by IS NOT new.needed_by BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (new.id) ON CONFLICT (order_id) DO NOTHING;
        END;
        CREATE TRIGGER analytics_after_order_delete AFTER DELETE ON orders BEGIN
          INSERT INTO analytics_pending (order_id) VALUES (old.id) ON CONFLICT (order_id) DO NOTHING;
        END;
        INSERT OR IGNORE INTO analytics_pending (order_id) SELECT order_id FROM order_status_history;
        """
}
