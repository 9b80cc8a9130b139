import Foundation
import GRDB
import OrderDomain

/// Processing analytics from per-day totals (`ReplicaMigrations.analyticsTotals`): each order's
/// `AnalyticsContribution` is summed per day, and a period reads its days' totals, so a call
/// costs the same with a thousand orders as with a million (the overdue count aside: it counts
/// an index range as long as the overdue list). The contributions of the orders changed since
/// the last call are brought up to date first, a batch per short write transaction, as the
/// search index is; if the replica cannot be written, `analytics` reads the period's histories
/// instead (same figures, slower).
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
        var stageChanges = StageChanges()
        for id in ids {
            if let text = try String.fetchOne(stored, arguments: [id]) {
                try addToTotals(db, try ContributionCodec.decode(text), sign: -1, stages: &stageChanges)
            }
            try db.cachedStatement(sql: "DELETE FROM analytics_open_ready WHERE order_id = ?").execute(arguments: [id])
            let moves = try Row.fetchAll(history, arguments: [id]).map(move)
            if !moves.isEmpty, let row = try Row.fetchOne(order, arguments: [id]) {
                let timeline = try timeline(row, moves: moves)
                let contribution = AnalyticsContribution(timeline)
                try addToTotals(db, contribution, sign: 1, stages: &stageChanges)
                if contribution.isReady, !timeline.status.isTerminal {
                    // A row left by a deleted order whose `local_id` this order took is that order's no more.
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO analytics_open_ready (local_id, order_id, needed_by) VALUES (?, ?, ?)
                            ON CONFLICT (local_id) DO UPDATE SET order_id = excluded.order_id,
                              needed_by = excluded.needed_by
                            """
                    ).execute(arguments: [row["local_id"], id, row["needed_by"]])
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
        try applyStageChanges(db, stageChanges)
        return ids.count
    }

    /// A batch's changes to the stage histograms: per day and stage, minutes → orders added (or
    /// taken out), so each histogram is rewritten once per batch rather than once per order.
    typealias StageChanges = [StageDay: [Int: Int]]

    struct StageDay: Hashable {
        var day: CalendarDate
        var stage: FulfilmentStage
    }

    /// Rewrites each changed day's stage histogram; one left empty is deleted.
    static func applyStageChanges(_ db: Database, _ changes: StageChanges) throws {
        let stored = try db.cachedStatement(
            sql: "SELECT histogram FROM analytics_stage_days WHERE day = ? AND stage = ?")
        for (key, minutes) in changes {
            let arguments: StatementArguments = [key.day.description, key.stage.rawValue]
            var counts = try Data.fetchOne(stored, arguments: arguments).map(histogramCounts) ?? [:]
            counts.merge(minutes, uniquingKeysWith: +)
            counts = counts.filter { $0.value != 0 }
            if counts.isEmpty {
                try db.cachedStatement(sql: "DELETE FROM analytics_stage_days WHERE day = ? AND stage = ?")
                    .execute(arguments: arguments)
            } else {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO analytics_stage_days (day, stage, histogram) VALUES (?, ?, ?)
                        ON CONFLICT (day, stage) DO UPDATE SET histogram = excluded.histogram
                        """
                ).execute(arguments: arguments + [MinuteHistogram.encode(counts)])
            }
        }
    }

    static func histogramCounts(_ data: Data) throws -> [Int: Int] {
        guard let counts = MinuteHistogram.counts(data) else { throw corruptHistogram(data) }
        return counts
    }

    static func corruptHistogram(_ data: Data) -> StoreError {
        .corruptValue(table: "analytics_stage_days", column: "histogram", value: data.base64EncodedString())
    }

    /// Adds (`sign` 1) or takes out (-1) a contribution's facts; rows left at zero are deleted.
    /// Stage ends go to `stages`, written by `applyStageChanges`.
    static func addToTotals(
        _ db: Database, _ contribution: AnalyticsContribution, sign: Int, stages: inout StageChanges
    ) throws {
        /// Runs the upsert, then, when taking out, deletes the row if it fell to zero.
        func apply(_ upsert: String, _ values: StatementArguments, deleteAtZero: String, key: StatementArguments) throws
        {
            try db.cachedStatement(sql: upsert).execute(arguments: key + values)
            if sign < 0 { try db.cachedStatement(sql: deleteAtZero).execute(arguments: key) }
        }
        for end in contribution.stageEnds {
            stages[StageDay(day: end.day, stage: end.stage), default: [:]][end.minutes, default: 0] += sign
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
    func analyticsFromTotals(since: CalendarDate?, today: CalendarDate, overdueLimit: Int) throws(StoreError)
        -> PeriodAnalytics
    {
        try read { db in
            // Days are `YYYY-MM-DD` text: '' is before every day.
            let from = since?.description ?? ""
            var totals = PeriodTotals()
            // Columns by position: a lookup by name costs more than the rest of a row here.
            let stages = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT stage, histogram FROM analytics_stage_days WHERE day >= ?"),
                arguments: [from])
            while let row = try stages.next() {
                let stage = try Decode.value(FulfilmentStage.self, row, "stage", table: "analytics_stage_days")
                let histogram: Data = row[1]
                guard (MinuteHistogram.decode(histogram) { totals.add(stage: stage, minutes: $0, orders: $1) }) != nil
                else { throw Self.corruptHistogram(histogram) }
            }
            if let ready = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT sum(due), sum(on_time) FROM analytics_ready_days WHERE day >= ?"),
                arguments: [from])
            {
                totals.due = ready[0] ?? 0
                totals.onTime = ready[1] ?? 0
            }
            let work = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT day, person, moves, orders_shipped FROM analytics_work_days WHERE day >= ?"),
                arguments: [from])
            while let row = try work.next() {
                totals.add(
                    AnalyticsContribution.Work(
                        day: try Self.day(row[0], "day", table: "analytics_work_days"), person: row[1],
                        moves: row[2], ordersShipped: row[3]))
            }
            let count =
                try Int.fetchOne(
                    db.cachedStatement(sql: Self.overdueCountSQL), arguments: [today.description, today.description])
                ?? 0
            return PeriodAnalytics(
                since: since, totals: totals, overdueOpenCount: count,
                overdueOpen: try Self.overdueOpen(db, today: today, limit: overdueLimit), overdueLimit: overdueLimit,
                orders: [])
        }
    }

    /// How many open orders are past their needed-by day and have not been ready: those past
    /// their day (`orders_open_by_needed_by`) less those of them that have been ready
    /// (`analytics_open_ready`, which keeps each one's needed-by day), two index ranges counted
    /// instead of a probe per order (`ReplicaMigrations.analyticsStageDays`). Arguments: today,
    /// twice. Needs the contributions up to date.
    static let overdueCountSQL = """
        SELECT (SELECT count(*) FROM orders INDEXED BY orders_open_by_needed_by
                WHERE needed_by IS NOT NULL AND status NOT IN (\(ReplicaMigrations.terminalStatuses)) AND needed_by < ?)
             - (SELECT count(*) FROM analytics_open_ready INDEXED BY analytics_open_ready_by_needed_by
                WHERE needed_by IS NOT NULL AND needed_by < ?)
        """

    /// The first `limit` open orders past their needed-by day that have not been ready, as
    /// `(day, order number)` in the list's order, from one index and the small
    /// `analytics_open_ready` (`ReplicaMigrations.analyticsOverdue`). Needs the contributions up
    /// to date.
    static func overdueOpen(_ db: Database, today: CalendarDate, limit: Int) throws -> [(CalendarDate, String)] {
        try Row.fetchAll(db.cachedStatement(sql: overdueOpenSQL), arguments: [today.description, max(0, limit)])
            .map { row in (try day(row[0], "needed_by", table: "orders"), row[1]) }
    }

    /// The overdue list's statement (arguments: today, the limit).
    static let overdueOpenSQL = """
        SELECT needed_by, order_number FROM orders INDEXED BY orders_open_by_needed_by
        WHERE needed_by IS NOT NULL AND status NOT IN (\(ReplicaMigrations.terminalStatuses)) AND needed_by < ?
          AND NOT EXISTS (SELECT 1 FROM analytics_open_ready WHERE local_id = orders.local_id)
        ORDER BY needed_by, order_number LIMIT ?
        """

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
