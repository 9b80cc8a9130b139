import Foundation
import GRDB
import SyncCore
import TestSupport
import Testing

@testable import OrderDomain
@testable import Store

/// The dashboard figures kept by triggers (`order_counts`) and the period analytics read from the
/// period's orders equal the full computations over every order, whatever edits, merges and
/// deletes made the replica.
@Suite struct IncrementalFiguresTests {
    /// The dashboard figures as computed before `order_counts`: every order grouped per call.
    static func statsByScanningEveryOrder(_ store: OrderStore) throws -> DashboardStats {
        try store.read { db in
            let groups = try Row.fetchAll(
                db,
                sql: """
                    SELECT status, resume_status, priority, currency, count(*) AS count, sum(total_amount) AS total
                    FROM orders GROUP BY status, resume_status, priority, currency
                    """
            ).map { row in
                DashboardStats.Group(
                    status: OrderStatus(rawValue: row["status"])!,
                    resumeStatus: (row["resume_status"] as String?).flatMap(OrderStatus.init(rawValue:)),
                    priority: OrderPriority(rawValue: row["priority"])!,
                    currency: try Decode.currency(row, table: "orders"), count: row["count"],
                    totalMinorUnits: row["total"])
            }
            return DashboardStats(groups: groups)
        }
    }

    static func expectFiguresMatchFullScans(_ store: OrderStore, clock: ManualClock, _ context: String) throws {
        #expect(try store.stats() == statsByScanningEveryOrder(store), "\(context)")
        let now = Double(clock.now) / 1000
        let today = CalendarDate(utcDayOf: now)
        for since in [nil, CalendarDate(daysSince1970: today.daysSince1970 - 2), today] {
            let everyTimeline = PeriodAnalytics(try store.analyticsTimelines(), since: since, nowSeconds: now)
            let label = "\(context), since \(String(describing: since))"
            #expect(try store.analytics(since: since, includeOrders: true) == everyTimeline, "\(label)")
            var withoutOrders = everyTimeline
            withoutOrders.orders = []
            #expect(try store.analytics(since: since) == withoutOrders, "\(label), from the totals")
        }
    }

    @Test(arguments: 0..<3) func figuresEqualFullScansOverRandomEditsMergesAndDeletes(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed) &* 104_729 &+ 7)
        var harness = SyncHarness()
        let (stores, clocks) = try harness.nodesWithOwnClocks(2)
        for step in 0..<90 {
            let node = Int.random(in: 0..<stores.count, using: &random)
            // Hours apart now and then, so moves fall on several days around the periods asked for.
            clocks[node].advance(
                seconds: Bool.random(using: &random) ? 7_200 : Double.random(in: 0...5, using: &random))
            harness.clock.set(clocks.map(\.now).max()!)
            let store = stores[node]
            switch Int.random(in: 0..<14, using: &random) {
            case 0...4: try SyncConvergenceTests.randomEdit(store, &random)
            case 12, 13:
                // An order walked forward a few steps, hours apart (stages, work, shipping).
                if let order = try store.orders(OrderFilter()).randomElement(using: &random) {
                    var current = order
                    for _ in 0..<Int.random(in: 1...4, using: &random) {
                        let allowed = OrderLifecycle.allowedTransitions(
                            from: current.status, resumeStatus: current.resumeStatus)
                        let forward = allowed.filter { ($0.flowIndex ?? -1) > (current.status.flowIndex ?? 99) }
                        guard let next = (forward.isEmpty ? allowed : forward).randomElement(using: &random) else {
                            break
                        }
                        clocks[node].advance(seconds: Double.random(in: 60...20_000, using: &random))
                        current = try store.changeStatus(
                            current.id, to: next, by: .test(["ana", "ben"].randomElement(using: &random)!))
                    }
                }
            case 6:
                // A needed-by day in the past or future (the overdue list).
                if let order = try store.orders(OrderFilter()).randomElement(using: &random) {
                    let day = CalendarDate(
                        daysSince1970: CalendarDate(utcDayOf: Double(clocks[node].now) / 1000).daysSince1970
                            + Int.random(in: -3...3, using: &random))
                    _ = try? store.updateOrder(order.id, OrderPatch(neededBy: .some(day)), by: .test("ana"))
                }
            case 7:
                // An order gone from the typed tables, as a pulled delete leaves it.
                if Int.random(in: 0..<3, using: &random) == 0,
                    let order = try store.orders(OrderFilter()).randomElement(using: &random)
                {
                    try store.write { db in
                        try db.execute(sql: "DELETE FROM orders WHERE id = ?", arguments: [order.id])
                    }
                }
            case 8, 9: try harness.push(store, batch: Int.random(in: 1...20, using: &random))
            default: try harness.pull(store, pageSize: Int.random(in: 1...30, using: &random))
            }
            try Self.expectFiguresMatchFullScans(store, clock: clocks[node], "seed \(seed), step \(step)")
        }
        for store in stores { try harness.sync(store) }
        // The random walk reached the figures this is about: measured stages, work, the SLA.
        let everything = try stores[0].analytics(since: nil)
        #expect(!everything.days.isEmpty && everything.stages.contains { $0.count > 0 }, "seed \(seed)")
        #expect(everything.serviceLevel.due + everything.serviceLevel.overdueOpenCount > 0, "seed \(seed)")
        for (index, store) in stores.enumerated() {
            #expect(try store.stats().totalOrders > 0)
            try Self.expectFiguresMatchFullScans(store, clock: clocks[index], "seed \(seed), after sync")
        }
    }

    /// Drops what `2026-12-09-analytics-overdue` added.
    static let undoOverdueMigration = """
        DROP TRIGGER analytics_after_status; DROP TABLE analytics_open_ready; DROP INDEX orders_open_by_needed_by;
        """

    /// The database at `path` has the statements of a new one migrated up to `identifier` (in
    /// any order: re-created indexes come last in sqlite_master).
    static func expectSchema(at path: String, madeByMigrationsUpTo identifier: String) throws {
        let previous = try DatabaseQueue()
        try ReplicaMigrations.migrator.migrate(previous, upTo: identifier)
        let onDisk = try DatabaseQueue(path: path)
        defer { try? onDisk.close() }
        func statements(_ queue: DatabaseQueue) throws -> Set<String> {
            Set(try queue.read(ReplicaSchema.dump).components(separatedBy: ";\n"))
        }
        #expect(try statements(onDisk) == statements(previous))
    }

    /// A replica made by the schema before `2026-12-08-list-indexes` keeps its orders and gets
    /// counts equal to a full scan, the list indexes instead of the single-column ones, and lists
    /// that page as before.
    @Test func aReplicaOfThePreviousSchemaMigratesWithItsFiguresAndLists() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
        for index in 0..<9 {
            clock.advance(seconds: 60)
            let order = try store.createOrder(
                sampleDraft(email: "m\(index)@example.com", priority: index % 2 == 0 ? .rush : .normal),
                by: .test("ana"))
            if index % 3 == 0 { try store.changeStatus(order.id, to: .paymentConfirmed, by: .test("ana")) }
        }
        let expectedList = try store.orders(OrderFilter(limit: 100)).map(\.id)
        let expectedStats = try Self.statsByScanningEveryOrder(store)
        let path = store.path
        // Back to the previous schema: undo what the migrations since did (the confirmed rows'
        // layout among them), and forget them.
        try ConfirmedRowsLayoutTests.revertToTheEntityKeyedLayout(path)
        try store.write { db in
            try db.execute(
                sql: """
                    DROP TRIGGER order_counts_after_insert; DROP TRIGGER order_counts_after_delete;
                    DROP TRIGGER order_counts_after_update; DROP TABLE order_counts;
                    DROP TRIGGER analytics_after_history_insert; DROP TRIGGER analytics_after_history_update;
                    DROP TRIGGER analytics_after_history_delete; DROP TRIGGER analytics_after_needed_by;
                    DROP TRIGGER analytics_after_order_delete; DROP TABLE analytics_pending;
                    DROP TABLE analytics_orders; DROP TABLE analytics_stage_minutes; DROP TABLE analytics_ready_days;
                    DROP TABLE analytics_work_days;
                    DROP INDEX orders_by_status_priority_created; DROP INDEX orders_by_created;
                    DROP INDEX order_status_history_by_time;
                    CREATE INDEX orders_by_status ON orders (status);
                    CREATE INDEX orders_by_priority ON orders (priority);
                    CREATE INDEX orders_by_created_at ON orders (created_at);
                    DELETE FROM grdb_migrations WHERE identifier >= '2026-12-08';
                    """)
        }
        // Every migration before this session's (ids sort by date).
        let lastPrevious = try #require(ReplicaMigrations.identifiers.last { $0 < "2026-12-08" })
        try Self.expectSchema(at: path, madeByMigrationsUpTo: lastPrevious)

        let migrated = try OrderStore.open(directory: directory.path, clock: clock.function)
        #expect(try migrated.stats() == expectedStats)
        #expect(try migrated.stats().totalOrders == 9)
        var expectedAnalytics = PeriodAnalytics(
            try migrated.analyticsTimelines(), since: nil, nowSeconds: Double(clock.now) / 1000)
        expectedAnalytics.orders = []
        #expect(try migrated.analytics(since: nil) == expectedAnalytics)
        #expect(expectedAnalytics.days.isEmpty)
        #expect(expectedAnalytics.stages.map(\.count) == [0, 0, 0, 0])
        #expect(try migrated.orders(OrderFilter(limit: 100)).map(\.id) == expectedList)
        #expect(try OrderListTests.allPages(migrated, OrderFilter(priorities: [.rush], limit: 2)).count == 5)
        #expect(try migrated.integrityCheck() == ["ok"])
        let indexes = try migrated.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")
        }
        #expect(!indexes.contains("orders_by_status") && indexes.contains("orders_by_status_priority_created"))
    }
    /// A replica made by the schema before `2026-12-09-analytics-overdue` gets its open orders that
    /// have been ready from the contributions it holds, and the overdue list of a full computation;
    /// the list is read from the index alone.
    @Test func aReplicaBeforeTheOverdueIndexMigratesWithItsOverdueList() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
        let today = CalendarDate(utcDayOf: Double(clock.now) / 1000)
        // Steps along the flow: pending, in production, shipped, delivered, completed; then one
        // held after shipping (open and ready) and one without a needed-by day.
        for (index, steps) in [0, 3, 6, 8, 9, 6, 2].enumerated() {
            clock.advance(seconds: 3_600)
            var order = try store.createOrder(sampleDraft(email: "o\(index)@example.com"), by: .test("ana"))
            if index < 6 {
                let day = CalendarDate(daysSince1970: today.daysSince1970 - 2 + index % 2)
                order = try store.updateOrder(order.id, OrderPatch(neededBy: .some(day)), by: .test("ana"))
            }
            for status in OrderStatus.forwardFlow.dropFirst().prefix(steps) {
                clock.advance(seconds: 600)
                order = try store.changeStatus(order.id, to: status, by: .test("ben"))
            }
            if index == 5 { _ = try store.changeStatus(order.id, to: .onHold, by: .test("ben")) }
        }
        clock.advance(seconds: 3 * 86_400)
        let now = Double(clock.now) / 1000
        var expected = PeriodAnalytics(try store.analyticsTimelines(), since: nil, nowSeconds: now)
        expected.orders = []
        #expect(try store.analytics(since: nil) == expected)
        #expect(expected.serviceLevel.overdueOpen.count == 2 && expected.serviceLevel.overdueOpenCount == 2)
        let openReady = try store.read { db in
            try String.fetchAll(db, sql: "SELECT order_id FROM analytics_open_ready ORDER BY order_id")
        }
        #expect(openReady.count == 3)
        try store.write { db in
            try AnalyticsStageDaysTests.undoMigration(db)
            try db.execute(sql: Self.undoOverdueMigration)
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '2026-12-09-analytics-overdue'")
        }
        try Self.expectSchema(
            at: store.path, madeByMigrationsUpTo: ReplicaMigrations.identifier(before: "2026-12-09-analytics-overdue"))

        let migrated = try OrderStore.open(directory: directory.path, clock: clock.function)
        #expect(
            try migrated.read { db in
                try String.fetchAll(db, sql: "SELECT order_id FROM analytics_open_ready ORDER BY order_id")
            } == openReady)
        #expect(try migrated.analytics(since: nil) == expected)
        let plan = try migrated.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + OrderStore.overdueOpenSQL, arguments: [today.description, 50]
            )
            .map { $0["detail"] as String }.joined(separator: "\n")
        }
        // Neither the orders' rows nor a sort: the index in the list's order, and a small table.
        #expect(plan.contains("COVERING INDEX orders_open_by_needed_by") && !plan.contains("TEMP B-TREE"), "\(plan)")
        // Moved on: the held order resumes and is delivered, a late one ships.
        let held = try #require(try migrated.orders(OrderFilter(statuses: [.onHold])).first)
        _ = try migrated.changeStatus(held.id, to: .shipped, by: .test("ben"))
        let late = try #require(try migrated.orders(OrderFilter(statuses: [.inProduction])).first)
        for status in [OrderStatus.qualityCheck, .packaging, .shipped] {
            _ = try migrated.changeStatus(late.id, to: status, by: .test("ben"))
        }
        try Self.expectFiguresMatchFullScans(migrated, clock: clock, "after the migration")
        #expect(try migrated.analytics(since: nil).serviceLevel.overdueOpenCount == 1)
    }
}

extension ReplicaMigrations {
    /// The migration registered just before `identifier` (ids of one day do not sort in order).
    static func identifier(before identifier: String) -> String {
        let index = identifiers.firstIndex(of: identifier)!
        return identifiers[index - 1]
    }
}
