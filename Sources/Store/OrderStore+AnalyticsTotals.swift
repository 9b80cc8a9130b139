import Foundation
import GRDB
import OrderDomain

/// Processing analytics from per-day totals (`ReplicaMigrations.analyticsTotals`): each order's
/// `AnalyticsContribution` is summed per day, and a period reads its days' totals, so a call
/// costs the same with a thousand orders as with a million (the overdue list aside, which is as
/// long as it is). The contributions of the orders changed since the last call are brought up to
/// date first, a batch per short write transaction, as the search index is; if the replica
/// cannot be written, `analytics` reads the period's histories instead (same figures, slower).
extension OrderStore {
    /// Orders whose contribution one write transaction recomputes.
    static let analyticsBatch = 2_000

    /// Recomputes the pending orders' contributions. False when the replica could not be written.
    func catchUpAnalytics() throws(StoreError) -> Bool {
        let pending = try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM analytics_pending)") ?? false
        }
        guard pending else { return true }
        do {
            try withCatchUpCache {
                while try pool.write({ db in try Self.refreshContributions(db, limit: Self.analyticsBatch) }) > 0 {}
            }
            return true
        } catch is DatabaseError {
            return false
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// In a write transaction: takes up to `limit` pending orders' old contributions out of the
    /// totals and puts their current ones in. Returns how many orders it did.
    @discardableResult
    static func refreshContributions(_ db: Database, limit: Int) throws -> Int {
        let ids = try String.fetchAll(db, sql: "SELECT order_id FROM analytics_pending LIMIT ?", arguments: [limit])
        let order = try db.cachedStatement(sql: "SELECT local_id, \(timelineColumns) FROM orders WHERE id = ?")
        let history = try db.cachedStatement(
            sql: "SELECT \(moveColumns) FROM order_status_history WHERE order_id = ?")
        let stored = try db.cachedStatement(sql: "SELECT contribution FROM analytics_orders WHERE order_id = ?")
        for id in ids {
            if let text = try String.fetchOne(stored, arguments: [id]) {
                try addToTotals(db, try ContributionCodec.decode(text), sign: -1)
            }
            try db.cachedStatement(sql: "DELETE FROM analytics_open_ready WHERE order_id = ?").execute(arguments: [id])
            let moves = try Row.fetchAll(history, arguments: [id]).map(move)
            if !moves.isEmpty, let row = try Row.fetchOne(order, arguments: [id]) {
                let timeline = try timeline(row, moves: moves)
                let contribution = AnalyticsContribution(timeline)
                try addToTotals(db, contribution, sign: 1)
                if contribution.isReady, !timeline.status.isTerminal {
                    // A row left by a deleted order whose `local_id` this order took is that order's no more.
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO analytics_open_ready (local_id, order_id) VALUES (?, ?)
                            ON CONFLICT (local_id) DO UPDATE SET order_id = excluded.order_id
                            """
                    ).execute(arguments: [row["local_id"], id])
                }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO analytics_orders (order_id, ready, contribution) VALUES (?, ?, ?)
                        ON CONFLICT (order_id) DO UPDATE SET ready = excluded.ready,
                          contribution = excluded.contribution
                        """
                ).execute(arguments: [id, contribution.isReady, try ContributionCodec.encode(contribution)])
            } else {
                try db.cachedStatement(sql: "DELETE FROM analytics_orders WHERE order_id = ?").execute(arguments: [id])
            }
            try db.cachedStatement(sql: "DELETE FROM analytics_pending WHERE order_id = ?").execute(arguments: [id])
        }
        return ids.count
    }

    /// Adds (`sign` 1) or takes out (-1) a contribution's facts; rows left at zero are deleted.
    static func addToTotals(_ db: Database, _ contribution: AnalyticsContribution, sign: Int) throws {
        /// Runs the upsert, then, when taking out, deletes the row if it fell to zero.
        func apply(_ upsert: String, _ values: StatementArguments, deleteAtZero: String, key: StatementArguments) throws
        {
            try db.cachedStatement(sql: upsert).execute(arguments: key + values)
            if sign < 0 { try db.cachedStatement(sql: deleteAtZero).execute(arguments: key) }
        }
        for end in contribution.stageEnds {
            try apply(
                """
                INSERT INTO analytics_stage_minutes (day, stage, minutes, orders) VALUES (?, ?, ?, ?)
                ON CONFLICT (day, stage, minutes) DO UPDATE SET orders = orders + excluded.orders
                """, [sign],
                deleteAtZero:
                    "DELETE FROM analytics_stage_minutes WHERE day = ? AND stage = ? AND minutes = ? AND orders = 0",
                key: [end.day.description, end.stage.rawValue, end.minutes])
        }
        if let day = contribution.readyDay, let onTime = contribution.readyOnTime {
            try apply(
                """
                INSERT INTO analytics_ready_days (day, due, on_time) VALUES (?, ?, ?)
                ON CONFLICT (day) DO UPDATE SET due = due + excluded.due, on_time = on_time + excluded.on_time
                """, [sign, onTime ? sign : 0],
                deleteAtZero: "DELETE FROM analytics_ready_days WHERE day = ? AND due = 0",
                key: [day.description])
        }
        for work in contribution.work {
            try apply(
                """
                INSERT INTO analytics_work_days (day, person, moves, orders_shipped) VALUES (?, ?, ?, ?)
                ON CONFLICT (day, person) DO UPDATE SET moves = moves + excluded.moves,
                  orders_shipped = orders_shipped + excluded.orders_shipped
                """, [sign * work.moves, sign * work.ordersShipped],
                deleteAtZero: "DELETE FROM analytics_work_days WHERE day = ? AND person = ? AND moves = 0",
                key: [work.day.description, work.person])
        }
    }

    /// The period's figures from the totals of its days, without the per-order rows.
    func analyticsFromTotals(since: CalendarDate?, today: CalendarDate) throws(StoreError) -> PeriodAnalytics {
        try read { db in
            // Days are `YYYY-MM-DD` text: '' is before every day.
            let from = since?.description ?? ""
            var totals = PeriodTotals()
            let stages = try Row.fetchCursor(
                db,
                sql: """
                    SELECT stage, minutes, sum(orders) AS orders FROM analytics_stage_minutes WHERE day >= ?
                    GROUP BY stage, minutes
                    """, arguments: [from])
            while let row = try stages.next() {
                totals.add(
                    stage: try Decode.value(FulfilmentStage.self, row, "stage", table: "analytics_stage_minutes"),
                    minutes: row["minutes"], orders: row["orders"])
            }
            if let ready = try Row.fetchOne(
                db, sql: "SELECT sum(due) AS due, sum(on_time) AS on_time FROM analytics_ready_days WHERE day >= ?",
                arguments: [from])
            {
                totals.due = ready["due"] ?? 0
                totals.onTime = ready["on_time"] ?? 0
            }
            let work = try Row.fetchCursor(
                db, sql: "SELECT day, person, moves, orders_shipped FROM analytics_work_days WHERE day >= ?",
                arguments: [from])
            while let row = try work.next() {
                totals.add(
                    AnalyticsContribution.Work(
                        day: try Self.day(row, "day", table: "analytics_work_days"), person: row["person"],
                        moves: row["moves"], ordersShipped: row["orders_shipped"]))
            }
            let overdueOpen = try Self.overdueOpen(db, today: today)
            return PeriodAnalytics(since: since, totals: totals, overdueOpen: overdueOpen, orders: [])
        }
    }

    /// The open orders past their needed-by day that have not been ready, as `(day, order number)`
    /// in the list's order, from one index and the small `analytics_open_ready`
    /// (`ReplicaMigrations.analyticsOverdue`). Needs the contributions up to date.
    static func overdueOpen(_ db: Database, today: CalendarDate) throws -> [(CalendarDate, String)] {
        let overdue = try db.cachedStatement(sql: overdueOpenSQL)
        var overdueOpen: [(CalendarDate, String)] = []
        // Rows come by day, and a day is parsed once: thousands of rows, a few hundred days.
        var last: (text: String, day: CalendarDate)?
        let rows = try Row.fetchCursor(overdue, arguments: [today.description])
        while let row = try rows.next() {
            // By position: a lookup by name costs more than the rest of the row here.
            let text: String = row[0]
            let neededBy =
                try last.flatMap { $0.text == text ? $0.day : nil } ?? day(text, "needed_by", table: "orders")
            last = (text, neededBy)
            overdueOpen.append((neededBy, row[1]))
        }
        return overdueOpen
    }

    /// The overdue list's statement (one argument: today).
    static let overdueOpenSQL = """
        SELECT needed_by, order_number FROM orders INDEXED BY orders_open_by_needed_by
        WHERE needed_by IS NOT NULL AND status NOT IN (\(ReplicaMigrations.terminalStatuses)) AND needed_by < ?
          AND NOT EXISTS (SELECT 1 FROM analytics_open_ready WHERE local_id = orders.local_id)
        ORDER BY needed_by, order_number
        """

    static func day(_ row: Row, _ column: String, table: String) throws -> CalendarDate {
        try day(row[column], column, table: table)
    }

    static func day(_ text: String, _ column: String, table: String) throws -> CalendarDate {
        do { return try CalendarDate(parsing: text) } catch {
            throw StoreError.corruptValue(table: table, column: column, value: text)
        }
    }
}

/// `analytics_orders.contribution`: an order's contribution as compact JSON (days as days since
/// 1970, stages by their position in the flow, each person once): `{"k": ready 0/1, "r": [day,
/// on time 0/1] (absent: not ready or no needed-by date), "s": [[stage, day, minutes]…],
/// "w": {person: [[day, moves, shipped]…]}}`.
enum ContributionCodec {
    static func encode(_ contribution: AnalyticsContribution) throws -> String {
        var work: [String: [[Int]]] = [:]
        for entry in contribution.work {
            work[entry.person, default: []].append([entry.day.daysSince1970, entry.moves, entry.ordersShipped])
        }
        var object: [String: Any] = [
            "k": contribution.isReady ? 1 : 0,
            "s": contribution.stageEnds.map { [stageIndex($0.stage), $0.day.daysSince1970, $0.minutes] },
            "w": work,
        ]
        if let day = contribution.readyDay, let onTime = contribution.readyOnTime {
            object["r"] = [day.daysSince1970, onTime ? 1 : 0]
        }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> AnalyticsContribution {
        let corrupt = StoreError.corruptValue(table: "analytics_orders", column: "contribution", value: text)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let ready = object["k"] as? Int, let stages = object["s"] as? [[Int]],
            let work = object["w"] as? [String: [[Int]]]
        else { throw corrupt }
        let stageEnds = try stages.map { entry in
            guard entry.count == 3, FulfilmentStage.allCases.indices.contains(entry[0]) else { throw corrupt }
            return AnalyticsContribution.StageEnd(
                stage: FulfilmentStage.allCases[entry[0]], day: CalendarDate(daysSince1970: entry[1]),
                minutes: entry[2])
        }
        let works = try work.flatMap { person, days in
            try days.map { entry in
                guard entry.count == 3 else { throw corrupt }
                return AnalyticsContribution.Work(
                    day: CalendarDate(daysSince1970: entry[0]), person: person, moves: entry[1],
                    ordersShipped: entry[2])
            }
        }
        var readyDay: CalendarDate?, readyOnTime: Bool?
        if let entry = object["r"] as? [Int] {
            guard entry.count == 2 else { throw corrupt }
            readyDay = CalendarDate(daysSince1970: entry[0])
            readyOnTime = entry[1] == 1
        }
        return AnalyticsContribution(
            stageEnds: stageEnds, readyDay: readyDay, readyOnTime: readyOnTime, isReady: ready == 1, work: works)
    }

    static func stageIndex(_ stage: FulfilmentStage) -> Int { FulfilmentStage.allCases.firstIndex(of: stage)! }
}
