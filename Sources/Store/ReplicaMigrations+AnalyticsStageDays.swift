import GRDB

extension ReplicaMigrations {
    /// A 30-day analytics call read ~10,000 rows of `analytics_stage_minutes` (one per day, stage
    /// and minutes) at a million orders and grouped them in a temporary b-tree, and counted the
    /// overdue orders by probing `analytics_open_ready` once per candidate (~5,000): most of the
    /// call. Now:
    ///
    /// - `analytics_stage_days` holds one row per day and stage, its minutes as a
    ///   `MinuteHistogram` blob: 120 rows for 30 days, summed in Swift;
    /// - `analytics_open_ready` keeps each order's needed-by day (the catch-up writes it with the
    ///   row), so the overdue count is the open orders past their day (one index range) less
    ///   the ready ones among them (another), with no probe per order.
    static func analyticsStageDays(_ db: Database) throws {
        try db.execute(
            sql: """
                -- Per day and stage: how many orders took each number of minutes (MinuteHistogram).
                CREATE TABLE analytics_stage_days (
                  day TEXT NOT NULL,
                  stage TEXT NOT NULL,
                  histogram BLOB NOT NULL,
                  PRIMARY KEY (day, stage)
                ) WITHOUT ROWID;
                """)
        let insert = try db.makeStatement(
            sql: "INSERT INTO analytics_stage_days (day, stage, histogram) VALUES (?, ?, ?)")
        var group: (day: String, stage: String)?
        var counts: [Int: Int] = [:]
        func flush() throws {
            if let group, !counts.isEmpty {
                try insert.execute(arguments: [group.day, group.stage, MinuteHistogram.encode(counts)])
            }
            counts = [:]
        }
        let rows = try Row.fetchCursor(
            db, sql: "SELECT day, stage, minutes, orders FROM analytics_stage_minutes ORDER BY day, stage, minutes")
        while let row = try rows.next() {
            let day: String = row[0]
            let stage: String = row[1]
            if group?.day != day || group?.stage != stage {
                try flush()
                group = (day, stage)
            }
            counts[row[2], default: 0] += row[3] as Int
        }
        try flush()
        try db.execute(
            sql: """
                DROP TABLE analytics_stage_minutes;
                ALTER TABLE analytics_open_ready ADD COLUMN needed_by TEXT;
                UPDATE analytics_open_ready
                SET needed_by = (SELECT needed_by FROM orders WHERE orders.id = analytics_open_ready.order_id);
                CREATE INDEX analytics_open_ready_by_needed_by ON analytics_open_ready (needed_by)
                WHERE needed_by IS NOT NULL;
                """)
    }
}
