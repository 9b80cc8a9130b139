import Foundation
import GRDB
import Testing

@testable import OrderDomain
@testable import Store

/// The queue read segment by segment from the open-order indexes must equal scoring every open
/// order and sorting them, whatever the mix of priorities, ages and deadlines, and at any later
/// moment (the hour and the day change the scores; nothing stored may go stale).
@Suite struct QueueTests {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let store: OrderStore

    init() throws {
        store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
    }

    /// A small deterministic generator, so a failing seed can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Every open order scored at the store's clock and sorted: the definition of the queue.
    func bruteForceQueue() throws -> [(id: String, score: Int)] {
        let nowSeconds = Double(clock.now) / 1000
        return try store.orders(OrderFilter(limit: 100_000)).filter { !$0.status.isTerminal }.map { order in
            (
                order,
                PriorityScore.score(
                    priority: order.priority, createdAtSeconds: Timestamp.seconds(order.createdAt)!,
                    neededBy: order.neededBy, nowSeconds: nowSeconds)
            )
        }.sorted { a, b in
            PriorityScore.ranksBefore((a.1, a.0.createdAt, a.0.orderNumber), (b.1, b.0.createdAt, b.0.orderNumber))
        }.map { ($0.0.id, $0.1) }
    }

    @Test(arguments: [1, 2, 3]) func segmentedQueueEqualsScoringEveryOpenOrder(seed: UInt64) throws {
        var random = Generator(state: seed)
        for _ in 0..<160 {
            var draft = sampleDraft(priority: OrderPriority.allCases[random.next(OrderPriority.allCases.count)])
            let today = CalendarDate(utcDayOf: Double(clock.now) / 1000).daysSince1970
            switch random.next(4) {
            case 0: draft.neededBy = nil
            case 1: draft.neededBy = CalendarDate(utcDayOf: Double(today - 1 - random.next(20)) * 86_400)
            case 2: draft.neededBy = CalendarDate(utcDayOf: Double(today + random.next(15)) * 86_400)
            default: draft.neededBy = CalendarDate(utcDayOf: Double(today + 15 + random.next(40)) * 86_400)
            }
            let order = try store.createOrder(draft, by: .test("ana"))
            if random.next(5) == 0 { try store.changeStatus(order.id, to: .cancelled, by: .test("ana")) }
            // Minutes to a day and a half apart: ages from minutes to past the one-week cap.
            clock.advance(seconds: Double(60 + random.next(36 * 3600)))
        }
        for _ in 0..<6 {
            let expected = try bruteForceQueue()
            for limit in [1, 7, 50, 1000] {
                let queue = try store.queue(limit: limit)
                #expect(queue.map(\.order.id) == expected.prefix(limit).map(\.id), "seed \(seed), limit \(limit)")
                #expect(queue.map(\.score) == expected.prefix(limit).map(\.score), "seed \(seed), limit \(limit)")
                #expect(queue.map(\.position) == Array(1...min(limit, expected.count)))
            }
            // Later: hours (ages grow) or days (deadlines move into the window or past it).
            clock.advance(
                seconds: Double(random.next(4) == 0 ? 86_400 * (1 + random.next(10)) : 3600 * random.next(30)))
        }
    }

    @Test func queueReadsThroughTheOpenOrderIndexes() throws {
        func plan(_ sql: String) throws -> String {
            try store.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: ["rush", "2026-12-07", 50])
                    .map { $0["detail"] as String }.joined(separator: "; ")
            }
        }
        let overdue = try plan(OrderStore.queueSegmentSQL(deadline: "needed_by < ?"))
        let oneDay = try plan(OrderStore.queueSegmentSQL(deadline: "needed_by = ?"))
        let noDeadline = try plan(
            OrderStore.queueSegmentSQL(deadline: "(needed_by IS NULL OR needed_by > ?)", byAge: true))
        #expect(overdue.contains("orders_open_by_deadline"))
        // One day of deadlines, and the walk by age, come in index order: no sort at all.
        #expect(oneDay.contains("orders_open_by_deadline") && !oneDay.contains("TEMP B-TREE"), "\(oneDay)")
        #expect(noDeadline.contains("orders_open_by_age") && !noDeadline.contains("TEMP B-TREE"), "\(noDeadline)")
    }
}
