import Foundation
import GRDB
import TestSupport
import Testing

@testable import OrderDomain
@testable import Store

/// The stage minutes kept as one histogram per day and stage, the overdue count from two index
/// ranges and the overdue list cut to a limit (`2026-12-09-analytics-stage-days`).
@Suite struct AnalyticsStageDaysTests {
    @Test func aHistogramDecodesToTheCountsItWasMadeOf() throws {
        var random = SplitMix64(seed: 15)
        for size in [0, 1, 2, 80, 500] {
            var counts: [Int: Int] = [:]
            for _ in 0..<size {
                counts[Int.random(in: -5...100_000, using: &random)] = Int.random(in: -3...1_000_000, using: &random)
            }
            counts[Int.max] = 1
            counts[Int.min] = Int.max
            counts[7] = 0
            let data = MinuteHistogram.encode(counts)
            #expect(MinuteHistogram.counts(data) == counts.filter { $0.value != 0 })
            var minutes: [Int] = []
            #expect(MinuteHistogram.decode(data) { value, _ in minutes.append(value) } != nil)
            #expect(minutes == minutes.sorted())
            // Cut inside a pair, or inside a varint: not a histogram.
            #expect(MinuteHistogram.counts(data.dropLast()) == nil)
            #expect(MinuteHistogram.counts(data + Data([0x80])) == nil)
        }
        #expect(MinuteHistogram.encode([:]).isEmpty && MinuteHistogram.counts(Data()) == [:])
    }

    /// Orders along the flow, a few days apart, some with a needed-by day already past.
    static func replicaWithStagesAndOverdueOrders(_ directory: TemporaryDirectory, _ clock: ManualClock) throws
        -> OrderStore
    {
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
        let today = CalendarDate(utcDayOf: Double(clock.now) / 1000)
        for index in 0..<12 {
            clock.advance(seconds: 40_000)
            var order = try store.createOrder(sampleDraft(email: "d\(index)@example.com"), by: .test("ana"))
            if index % 4 != 3 {
                let day = CalendarDate(daysSince1970: today.daysSince1970 + index % 5)
                order = try store.updateOrder(order.id, OrderPatch(neededBy: .some(day)), by: .test("ana"))
            }
            for status in OrderStatus.forwardFlow.dropFirst().prefix(index % 8) {
                clock.advance(seconds: Double(600 * (1 + index % 3)))
                order = try store.changeStatus(order.id, to: status, by: .test(index % 2 == 0 ? "ben" : "cy"))
            }
            // Held after shipping: open, ready, maybe past its day.
            if index == 6 { _ = try store.changeStatus(order.id, to: .onHold, by: .test("ben")) }
        }
        clock.advance(seconds: 4 * 86_400)
        return store
    }

    /// A replica made by the schema before this migration (per-minute rows, the open orders that
    /// have been ready without their day) gets the same histograms a new one keeps, and figures
    /// equal to a full computation, before and after it moves on.
    @Test func aReplicaOfThePreviousSchemaMigratesWithItsStageMinutes() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Self.replicaWithStagesAndOverdueOrders(directory, clock)
        let now = Double(clock.now) / 1000
        var expected = PeriodAnalytics(try store.analyticsTimelines(), since: nil, nowSeconds: now)
        expected.orders = []
        #expect(try store.analytics(since: nil) == expected)
        #expect(expected.stages.allSatisfy { $0.count > 0 } && expected.serviceLevel.overdueOpenCount > 1)
        let histograms = try Self.histograms(store)
        let openReady = try Self.openReady(store)
        #expect(histograms.count > 4 && openReady.contains { $0.neededBy != nil })
        var minuteRows = 0
        try store.write { db in
            try Self.undoMigration(db)
            minuteRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM analytics_stage_minutes") ?? 0
        }
        #expect(minuteRows >= histograms.count)
        try IncrementalFiguresTests.expectSchema(
            at: store.path,
            madeByMigrationsUpTo: ReplicaMigrations.identifier(before: "2026-12-09-analytics-stage-days"))

        let migrated = try OrderStore.open(directory: directory.path, clock: clock.function)
        #expect(try Self.histograms(migrated) == histograms)
        #expect(try Self.openReady(migrated) == openReady)
        #expect(try migrated.analytics(since: nil) == expected)
        try IncrementalFiguresTests.expectFiguresMatchFullScans(migrated, clock: clock, "after the migration")
        // Moved on: an overdue order ships, a new one walks the flow.
        let late = try #require(try migrated.orders(OrderFilter(statuses: [.inProduction])).first)
        for status in [OrderStatus.qualityCheck, .packaging, .shipped] {
            _ = try migrated.changeStatus(late.id, to: status, by: .test("ben"))
        }
        var order = try migrated.createOrder(sampleDraft(email: "new@example.com"), by: .test("ana"))
        for status in OrderStatus.forwardFlow.dropFirst().prefix(6) {
            clock.advance(seconds: 900)
            order = try migrated.changeStatus(order.id, to: status, by: .test("cy"))
        }
        try IncrementalFiguresTests.expectFiguresMatchFullScans(migrated, clock: clock, "after moving on")
        let plan = try migrated.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + OrderStore.overdueCountSQL, arguments: ["9999", "9999"])
                .map { $0["detail"] as String }.joined(separator: "\n")
        }
        // Two index ranges counted: no table row read, no probe per order.
        #expect(plan.contains("COVERING INDEX orders_open_by_needed_by"), "\(plan)")
        #expect(plan.contains("COVERING INDEX analytics_open_ready_by_needed_by"), "\(plan)")
        #expect(!plan.contains("CORRELATED"), "\(plan)")
    }

    /// The overdue list cut to a limit is the first of the full list, with the full count, read
    /// from the totals as from the histories.
    @Test func theOverdueListStopsAtItsLimitAndKeepsTheCount() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Self.replicaWithStagesAndOverdueOrders(directory, clock)
        let now = Double(clock.now) / 1000
        let timelines = try store.analyticsTimelines()
        let everyOne = PeriodAnalytics(timelines, since: nil, nowSeconds: now, overdueLimit: .max)
        let count = everyOne.serviceLevel.overdueOpenCount
        #expect(count > 2 && everyOne.serviceLevel.overdueOpen.count == count)
        for limit in [0, 1, 2, count, count + 5] {
            var expected = PeriodAnalytics(timelines, since: nil, nowSeconds: now, overdueLimit: limit)
            #expect(expected.serviceLevel.overdueOpenCount == count)
            #expect(expected.serviceLevel.overdueOpen == Array(everyOne.serviceLevel.overdueOpen.prefix(limit)))
            #expect(try store.analytics(since: nil, includeOrders: true, overdueLimit: limit) == expected)
            expected.orders = []
            #expect(try store.analytics(since: nil, overdueLimit: limit) == expected, "limit \(limit)")
        }
    }

    static func histograms(_ store: OrderStore) throws -> [String: [Int: Int]] {
        try store.read { db in
            var histograms: [String: [Int: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT day, stage, histogram FROM analytics_stage_days") {
                histograms[row["day"] + " " + row["stage"]] = MinuteHistogram.counts(row["histogram"])
            }
            return histograms
        }
    }

    static func openReady(_ store: OrderStore) throws -> [OpenReady] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT order_id, needed_by FROM analytics_open_ready ORDER BY order_id").map {
                OpenReady(orderID: $0["order_id"], neededBy: $0["needed_by"])
            }
        }
    }

    struct OpenReady: Equatable {
        var orderID: String
        var neededBy: String?
    }

    /// Takes a replica back to the schema before `2026-12-09-analytics-stage-days`: the per-minute
    /// rows from the histograms (the table as `2026-12-08-analytics-totals` made it, word for
    /// word), and the open orders that have been ready without their needed-by day.
    static func undoMigration(_ db: Database) throws {
        let totals = ReplicaMigrations.analyticsTotals
        let start = try #require(totals.range(of: "CREATE TABLE analytics_stage_minutes (")).lowerBound
        let end = try #require(totals[start...].range(of: ") WITHOUT ROWID;")).upperBound
        try db.execute(sql: String(totals[start..<end]))
        for row in try Row.fetchAll(db, sql: "SELECT day, stage, histogram FROM analytics_stage_days") {
            for (minutes, orders) in try #require(MinuteHistogram.counts(row["histogram"])) {
                try db.execute(
                    sql: "INSERT INTO analytics_stage_minutes (stage, day, minutes, orders) VALUES (?, ?, ?, ?)",
                    arguments: [row["stage"], row["day"], minutes, orders])
            }
        }
        try db.execute(
            sql: """
                DROP TABLE analytics_stage_days; DROP INDEX analytics_open_ready_by_needed_by;
                ALTER TABLE analytics_open_ready DROP COLUMN needed_by;
                DELETE FROM grdb_migrations WHERE identifier = '2026-12-09-analytics-stage-days';
                """)
    }
}
