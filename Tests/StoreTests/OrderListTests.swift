import Foundation
import GRDB
import TestSupport
import Testing

@testable import OrderDomain
@testable import Store

/// Order lists page by keyset through the list indexes and reach every order exactly once, in
/// the same order as sorting them all (`OrderStore.orderPage`).
@Suite struct OrderListTests {
    /// A replica of `count` orders with random priorities and statuses; a third share their
    /// creation millisecond with the order before (ties broken by order number).
    static func replica(count: Int, seed: UInt64) throws -> ListReplica {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
        var random = SplitMix64(seed: seed)
        let names = ["Jane Smith", "Omar Smithers", "Ana Garcia", "Ben Okafor"]
        for index in 0..<count {
            if Int.random(in: 0..<3, using: &random) != 0 { clock.advance(seconds: 1) }
            let order = try store.createOrder(
                sampleDraft(
                    name: names.randomElement(using: &random)!, email: "c\(index)@example.com",
                    priority: OrderPriority.allCases.randomElement(using: &random)!),
                by: .test("ana"))
            var status = order.status
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                guard
                    let next = OrderLifecycle.allowedTransitions(from: status, resumeStatus: nil)
                        .filter({ !$0.isSuspension }).randomElement(using: &random)
                else { break }
                status = try store.changeStatus(order.id, to: next, by: .test("ana")).status
            }
        }
        return ListReplica(store: store, directory: directory)
    }

    /// The store and the directory that holds it (removed when this goes).
    struct ListReplica {
        let store: OrderStore
        let directory: TemporaryDirectory
    }

    /// Every order, as a full sort would list it: newest first, order number breaking ties.
    static func everyOrderNewestFirst(_ store: OrderStore) throws -> [OrderRecord] {
        try store.read { db in try Row.fetchAll(db, sql: "SELECT * FROM orders").map(Decode.order) }
            .sorted { ($0.createdAt, $0.orderNumber) > ($1.createdAt, $1.orderNumber) }
    }

    /// Follows `nextCursor` from the first page to the last.
    static func allPages(_ store: OrderStore, _ filter: OrderFilter) throws -> [OrderRecord] {
        var filter = filter
        var orders: [OrderRecord] = []
        while true {
            let page = try store.orderPage(filter)
            orders += page.orders
            guard let next = page.nextCursor else { return orders }
            #expect(page.orders.count == filter.limit)
            // Through the text a client holds, as the API and the CLI pass it on.
            filter.after = try OrderListCursor(parsing: next.encoded, search: filter.isSearch)
        }
    }

    /// The ids of the orders the index matches for `text` by the prefix query, most recently added first.
    static func prefixMatches(_ store: OrderStore, _ text: String) throws -> [String] {
        try store.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT orders.id FROM orders_search JOIN orders ON orders.local_id = orders_search.rowid
                    WHERE orders_search MATCH ? ORDER BY orders.local_id DESC
                    """, arguments: [OrderStore.searchQuery(text)])
        }
    }

    @Test(arguments: [1, 2]) func keysetPagesListEveryOrderOnceInSortedOrder(seed: UInt64) throws {
        let replica = try Self.replica(count: 60, seed: seed)
        let store = replica.store
        defer { withExtendedLifetime(replica) {} }
        let everything = try Self.everyOrderNewestFirst(store)
        let filters: [OrderFilter] = [
            OrderFilter(limit: 7), OrderFilter(limit: 500),
            OrderFilter(statuses: [.pendingPayment], limit: 4),
            OrderFilter(statuses: [.paymentConfirmed, .processing, .cancelled], limit: 5),
            OrderFilter(priorities: [.rush], limit: 3),
            OrderFilter(priorities: [.normal, .low, .vipCustomer], limit: 6),
            OrderFilter(statuses: [.pendingPayment, .processing], priorities: [.normal, .rush, .high], limit: 2),
        ]
        for filter in filters {
            let expected = everything.filter { order in
                (filter.statuses.isEmpty || filter.statuses.contains(order.status))
                    && (filter.priorities.isEmpty || filter.priorities.contains(order.priority))
            }
            #expect(try Self.allPages(store, filter).map(\.id) == expected.map(\.id), "\(filter)")
        }
    }

    @Test func searchPagesStreamMostRecentlyAddedFirstAndReachEveryMatch() throws {
        let replica = try Self.replica(count: 50, seed: 3)
        let store = replica.store
        defer { withExtendedLifetime(replica) {} }
        for (text, statuses) in [("smith", [OrderStatus]()), ("jane", []), ("smi", [.pendingPayment, .cancelled])] {
            let filter = OrderFilter(statuses: statuses, search: text, limit: 4)
            let found = try Self.allPages(store, filter)
            let expected = try Self.prefixMatches(store, text)
            let byID = try store.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM orders").reduce(into: [String: OrderRecord]()) {
                    $0[$1["id"]] = try Decode.order($1)
                }
            }
            let wanted = expected.compactMap { byID[$0] }.filter {
                statuses.isEmpty || statuses.contains($0.status)
            }
            #expect(!wanted.isEmpty)
            #expect(found.map(\.id) == wanted.map(\.id), "\(text)")
        }
    }

    /// On an up-to-date index a word becomes the OR of the index's terms that start with it
    /// (read lazily, unlike a prefix term), and finds the same orders in the same pages as the
    /// prefix query; words it cannot expand exactly stay prefix terms.
    @Test func searchesByTheIndexTermsFindWhatThePrefixFinds() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
        let names = ["Jane Smith", "Omar Smithers", "Zoë Smithß", "Ana Garcia", "Ben SMITH", "Jan Smits"]
        for index in 0..<40 {
            clock.advance(seconds: 1)
            _ = try store.createOrder(
                sampleDraft(name: names[index % names.count], email: "c\(index)@example.com"), by: .test("ana"))
        }
        // Indexes every order.
        #expect(try store.orders(OrderFilter(search: "warm", limit: 1)).isEmpty)
        let queries = try store.read { db in
            try ["smithe", "Jan", "SMITS jane", "c", "smith", "zoë", "zzz"].map {
                try OrderStore.indexedSearchQuery(db, words: OrderStore.searchWords($0))
            }
        }
        #expect(
            queries == [
                #"("smithers")"#, #"("jan" OR "jane")"#, #"("smits") AND ("jane")"#,
                // 40 e-mail terms; a term beyond ASCII ("smithß"); a word beyond ASCII; no term.
                #""c"*"#, #""smith"*"#, #""zoë"*"#, #""zzz"*"#,
            ])
        for text in ["smith", "smithe", "jan", "smits jane", "c", "c1", "example", "zoe", "ß", "zzz"] {
            let expected = try Self.prefixMatches(store, text)
            #expect(try Self.allPages(store, OrderFilter(search: text, limit: 3)).map(\.id) == expected, "\(text)")
        }
    }

    @Test func cursorsOfAnotherKindOrMangledAreRefused() throws {
        let replica = try Self.replica(count: 12, seed: 4)
        let store = replica.store
        defer { withExtendedLifetime(replica) {} }
        let listCursor = try #require(try store.orderPage(OrderFilter(limit: 5)).nextCursor).encoded
        let searchCursor = try #require(try store.orderPage(OrderFilter(search: "example", limit: 5)).nextCursor)
            .encoded
        #expect(throws: InvalidOrderListCursor.self) { try OrderListCursor(parsing: listCursor, search: true) }
        #expect(throws: InvalidOrderListCursor.self) { try OrderListCursor(parsing: searchCursor, search: false) }
        for mangled in ["", "t", "x" + listCursor.dropFirst(), String(listCursor.dropLast(3)), "s!!", "sLTE"] {
            #expect(throws: InvalidOrderListCursor.self, "\(mangled)") {
                _ = try OrderListCursor(parsing: mangled, search: false)
                _ = try OrderListCursor(parsing: mangled, search: true)
            }
        }
    }

    /// Each page is an index range read in order: no query sorts the orders it matches.
    @Test func listQueriesReadTheirIndexInOrder() throws {
        let replica = try Self.replica(count: 3, seed: 5)
        let store = replica.store
        defer { withExtendedLifetime(replica) {} }
        func plan(_ sql: String, _ arguments: StatementArguments) throws -> String {
            try store.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                    .map { $0["detail"] as String }.joined(separator: "\n")
            }
        }
        let first = try plan(
            "SELECT * FROM orders INDEXED BY orders_by_created ORDER BY created_at DESC, order_number DESC LIMIT 5", [])
        let byPair = try plan(
            """
            SELECT local_id, created_at, order_number FROM orders INDEXED BY orders_by_status_priority_created
            WHERE status = ? AND priority = ? AND (created_at, order_number) < (?, ?)
            ORDER BY created_at DESC, order_number DESC LIMIT 5
            """, ["processing", "rush", "2026-12-01T00:00:00.000Z", "S01-W1-000001"])
        let search = try plan(
            """
            SELECT orders.* FROM orders_search CROSS JOIN orders ON orders.local_id = orders_search.rowid
            WHERE orders_search MATCH ? AND orders_search.rowid < ? ORDER BY orders_search.rowid DESC LIMIT 5
            """, ["\"smith\"*", 100])
        for plan in [first, byPair, search] { #expect(!plan.contains("TEMP B-TREE"), "\(plan)") }
    }

    /// A catch-up indexes in batches, each raising the watermark over what it indexed only.
    @Test func searchIndexCatchesUpInBatches() throws {
        let replica = try Self.replica(count: 7, seed: 6)
        let store = replica.store
        defer { withExtendedLifetime(replica) {} }
        try store.write { db in
            #expect(try OrderStore.indexNewOrders(db, limit: 3) == 3)
            #expect(try Int64.fetchOne(db, sql: "SELECT indexed_through FROM search_index") == 3)
            #expect(try OrderStore.indexNewOrders(db, limit: 3) == 3)
            #expect(try OrderStore.indexNewOrders(db, limit: 3) == 1)
            #expect(try OrderStore.indexNewOrders(db, limit: 3) == 0)
            try db.execute(sql: "INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)")
        }
        #expect(try store.orders(OrderFilter(search: "example", limit: 50)).count == 7)
    }
}
