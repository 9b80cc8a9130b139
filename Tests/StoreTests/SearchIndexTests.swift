import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// The search index is brought up to date by searches, not by edits
/// (`ReplicaMigrations.lazySearchIndex`, `OrderStore+SearchIndex.swift`).
@Suite struct SearchIndexTests {
    @Test func ordersCreatedAfterTheLastSearchAreFoundAndCreatingDoesNotIndex() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let first = try store.createOrder(sampleDraft(name: "Zelda Okafor"), by: .test("ana"))
        #expect(try store.search("okafor") == [first.orderNumber])
        let second = try store.createOrder(
            sampleDraft(name: "Yusuf Okafor", email: "yusuf@example.com"), by: .test("ana"))
        // The edit wrote nothing to the index: only a search brings it up to date.
        #expect(try store.indexedMatches("yusuf").isEmpty)
        #expect(try store.searchWatermark() == 1)
        #expect(try store.search("okafor") == [first.orderNumber, second.orderNumber].sorted())
        #expect(try store.search("yusuf") == [second.orderNumber])
        #expect(try store.search("000002") == [second.orderNumber])
        #expect(try store.indexedMatches("yusuf") == [2])
        #expect(try store.searchWatermark() == 2)
        try store.expectIndexMatchesOrders()
    }

    @Test func renamedOrderIsFoundByItsNewNameOnlyWhetherOrNotItWasIndexed() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let indexed = try store.createOrder(
            sampleDraft(name: "Alice Smith", email: "alice@example.com"), by: .test("ana"))
        #expect(try store.search("smith") == [indexed.orderNumber])
        let pending = try store.createOrder(
            sampleDraft(name: "Bruno Smith", email: "bruno@example.com"), by: .test("ana"))
        try store.updateOrder(
            indexed.id, OrderPatch(customerName: "Alice Jones", customerEmail: "aj@example.org"), by: .test("ana"))
        try store.updateOrder(
            pending.id, OrderPatch(customerName: "Bruno Jones", customerPhone: "+44 20 7946 0000"), by: .test("ana"))
        #expect(try store.search("smith").isEmpty)
        #expect(try store.search("jones") == [indexed.orderNumber, pending.orderNumber].sorted())
        #expect(try store.search("alice com").isEmpty) // the old e-mail
        #expect(try store.search("aj example org") == [indexed.orderNumber])
        #expect(try store.search("7946") == [pending.orderNumber])
        try store.expectIndexMatchesOrders()
        // Renamed again once both are indexed.
        try store.updateOrder(pending.id, OrderPatch(customerName: "Bruno Ōkubo"), by: .test("ana"))
        #expect(try store.search("jones") == [indexed.orderNumber])
        #expect(try store.search("okubo") == [pending.orderNumber])
        try store.expectIndexMatchesOrders()
    }

    @Test func deletedOrdersAreGoneWhetherOrNotTheyWereIndexed() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let indexed = try store.createOrder(sampleDraft(name: "Carla Reyes"), by: .test("ana"))
        let kept = try store.createOrder(sampleDraft(name: "Dara Reyes"), by: .test("ana"))
        #expect(try store.search("reyes").count == 2)
        let pending = try store.createOrder(sampleDraft(name: "Emil Reyes"), by: .test("ana"))
        // Orders leave the replica only through the projection (a rejected creation, a
        // tombstone); the trigger sees the same DELETE.
        try store.deleteOrderRow(indexed.id)
        try store.deleteOrderRow(pending.id)
        #expect(try store.search("reyes") == [kept.orderNumber])
        #expect(try store.search("carla").isEmpty)
        #expect(try store.search("emil").isEmpty)
        try store.expectIndexMatchesOrders()
    }

    @Test func aNewOrderReusingTheLocalIDOfADeletedIndexedOrderIsIndexed() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let kept = try store.createOrder(sampleDraft(name: "Farid Haddad"), by: .test("ana"))
        let highest = try store.createOrder(sampleDraft(name: "Gita Haddad"), by: .test("ana"))
        #expect(try store.search("haddad").count == 2)
        #expect(try store.searchWatermark() == 2)
        try store.deleteOrderRow(highest.id)
        // The delete lowered the watermark to the highest local_id left.
        #expect(try store.searchWatermark() == 1)
        let reusing = try store.createOrder(sampleDraft(name: "Hana Haddad"), by: .test("ana"))
        #expect(try store.localID(reusing.id) == 2)
        #expect(try store.search("hana") == [reusing.orderNumber])
        #expect(try store.search("gita").isEmpty)
        #expect(try store.search("haddad") == [kept.orderNumber, reusing.orderNumber].sorted())
        try store.expectIndexMatchesOrders()

        // Every order deleted: the watermark goes back to 0 and local_id 1 is indexed again.
        try store.deleteOrderRow(kept.id)
        try store.deleteOrderRow(reusing.id)
        #expect(try store.searchWatermark() == 0)
        let fresh = try store.createOrder(sampleDraft(name: "Ivo Haddad"), by: .test("ana"))
        #expect(try store.localID(fresh.id) == 1)
        #expect(try store.search("haddad") == [fresh.orderNumber])
        try store.expectIndexMatchesOrders()
    }

    @Test func ordersArrivingByMergeAreFoundWithTheirLatestValues() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let early = try a.createOrder(sampleDraft(name: "Jun Tanaka"), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        #expect(try b.search("tanaka") == [early.orderNumber])
        harness.clock.advance(seconds: 1)
        let late = try a.createOrder(sampleDraft(name: "Kei Tanaka"), by: .test("ana"))
        try a.updateOrder(early.id, OrderPatch(customerName: "Jun Watanabe"), by: .test("ana"))
        try harness.sync(a)
        try harness.pull(b)
        // Renamed after B indexed it, created after B's last search.
        #expect(try b.search("tanaka") == [late.orderNumber])
        #expect(try b.search("watanabe") == [early.orderNumber])
        try b.expectIndexMatchesOrders()
        // An order with a pending edit of B's own is re-projected whole by the pull (every synced
        // column rewritten); the searched ones keep their values, so the index is not written at
        // all (the previous trigger wrote a new segment for it).
        harness.clock.advance(seconds: 1)
        try a.updateOrder(late.id, OrderPatch(notes: "hem the trousers"), by: .test("ana"))
        try harness.sync(a)
        try b.setPriority(late.id, to: .rush, by: .test("ben"))
        let indexBefore = try b.searchIndexData()
        try harness.pull(b)
        #expect(try b.order(late.id).notes == "hem the trousers")
        #expect(try b.order(late.id).priority == .rush)
        #expect(try b.searchIndexData() == indexBefore)
        #expect(try b.search("kei") == [late.orderNumber])
        try b.expectIndexMatchesOrders()
    }

    @Test func anUpgradedReplicaKeepsItsIndexAndIndexesNothingTwice() throws {
        let directory = TemporaryDirectory()
        let path = OrderStore.replicaPath(directory.path)
        // A replica at the migration before this one: orders indexed by the insert trigger.
        let old = try DatabaseQueue(path: path)
        let previous = ReplicaMigrations.identifiers[
            ReplicaMigrations.identifiers.firstIndex(of: "2026-11-27-lazy-search")! - 1]
        try ReplicaMigrations.migrator.migrate(old, upTo: previous)
        try old.write { db in
            try db.execute(
                sql: "INSERT INTO node_identity VALUES (1, 'node-a', 'W1', 'S01', '2026-11-25T10:00:00.000Z')")
            try db.execute(sql: "INSERT INTO node_state VALUES (1, 0, 0, 3)")
            try db.execute(sql: "INSERT INTO sync_state (singleton) VALUES (1)")
            for (number, name) in [(1, "Lena Novak"), (2, "Marek Novak"), (3, "Nina Horvat")] {
                try db.execute(
                    sql: """
                        INSERT INTO orders (id, order_number, customer_name, customer_email, subtotal_amount,
                          total_amount, created_at, created_by, updated_at)
                        VALUES (?, ?, ?, ?, 100, 100, '2026-11-25T10:00:00.000Z', 'ana', '2026-11-25T10:00:00.000Z')
                        """, arguments: ["o-\(number)", "S01-W1-00000\(number)", name, "c\(number)@example.com"])
            }
            try db.execute(sql: "UPDATE orders SET customer_name = 'Nina Kovac' WHERE id = 'o-3'")
        }
        try old.close()

        let store = try OrderStore.open(directory: directory.path)
        #expect(try store.searchWatermark() == 3)
        #expect(try store.search("novak") == ["S01-W1-000001", "S01-W1-000002"])
        #expect(try store.search("horvat").isEmpty)
        #expect(try store.search("kovac") == ["S01-W1-000003"])
        try store.expectIndexMatchesOrders()
        let created = try store.createOrder(sampleDraft(name: "Olga Novak"), by: .test("ana"))
        try store.updateOrder("S01-W1-000002", OrderPatch(customerName: "Marek Kral"), by: .test("ana"))
        #expect(try store.search("novak") == ["S01-W1-000001", created.orderNumber])
        #expect(try store.search("kral") == ["S01-W1-000002"])
        try store.expectIndexMatchesOrders()
    }

    @Test func aSearchThatCannotWriteTheIndexMatchesThePendingOrdersItself() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let indexed = try store.createOrder(sampleDraft(name: "Pia Lund"), by: .test("ana"))
        #expect(try store.search("lund") == [indexed.orderNumber])
        let pending = try store.createOrder(sampleDraft(name: "Quinn Lund"), by: .test("ana"))
        let renamed = try store.createOrder(sampleDraft(name: "Rosa Berg"), by: .test("ana"))
        try store.updateOrder(renamed.id, OrderPatch(customerName: "Rosa Lund"), by: .test("ana"))
        // On a reader (opened read-only by the pool), as when the catch-up could not write; twice,
        // because the temporary table stays with the connection.
        for _ in 0..<2 {
            let found = try store.read { db in
                let condition = try OrderStore.pendingSearchCondition(db)
                let query = OrderStore.searchQuery("lund")
                return try String.fetchAll(
                    db, sql: "SELECT order_number FROM orders WHERE \(condition) ORDER BY order_number",
                    arguments: [query, query])
            }
            #expect(found == [indexed.orderNumber, pending.orderNumber, renamed.orderNumber])
        }
        #expect(try store.searchWatermark() == 1)
        #expect(try store.search("lund") == [indexed.orderNumber, pending.orderNumber, renamed.orderNumber])
        try store.expectIndexMatchesOrders()
    }
}

extension OrderStore {
    /// Order numbers matching `text`, sorted.
    fileprivate func search(_ text: String) throws -> [String] {
        try orders(OrderFilter(search: text, limit: 500)).map(\.orderNumber).sorted()
    }

    /// Rowids the index alone matches, without bringing it up to date.
    fileprivate func indexedMatches(_ text: String) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(
                db, sql: "SELECT rowid FROM orders_search WHERE orders_search MATCH ? ORDER BY rowid",
                arguments: [OrderStore.searchQuery(text)])
        }
    }

    fileprivate func searchWatermark() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT indexed_through FROM search_index") ?? -1 }
    }

    /// FTS5's stored index (segments and structure record), to see whether anything wrote it.
    fileprivate func searchIndexData() throws -> [Row] {
        try read { db in try Row.fetchAll(db, sql: "SELECT id, block FROM orders_search_data ORDER BY id") }
    }

    fileprivate func localID(_ orderID: String) throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT local_id FROM orders WHERE id = ?", arguments: [orderID]) }
    }

    fileprivate func deleteOrderRow(_ orderID: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM orders WHERE id = ?", arguments: [orderID]) }
    }

    /// FTS5's integrity check with rank 1 also compares the index with `orders` row by row: it
    /// fails when an order is missing or indexed with values it no longer has, and after a
    /// 'delete' of a row never inserted (plain 'integrity-check' does not look at the content
    /// table, SQLite 3.40). Call it right after a search, when every order is indexed.
    fileprivate func expectIndexMatchesOrders() throws {
        #expect(try !read(Self.searchIndexIsBehind))
        try write { db in
            try db.execute(sql: "INSERT INTO orders_search (orders_search) VALUES ('integrity-check')")
            try db.execute(sql: "INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)")
        }
    }
}
