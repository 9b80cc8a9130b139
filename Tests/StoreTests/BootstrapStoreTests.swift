import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// Snapshot bootstrap at the node store (SYNC-PROTOCOL.md §4.9): merging central's snapshot
/// pages, then pulling from the snapshot's version, gives the replica that replaying the whole
/// log gives; a re-bootstrap keeps the pending outbox visible and pushable.
@Suite struct BootstrapStoreTests {
    /// Bootstraps `store` from the harness's central in pages of `pageSize`, as the engine does
    /// (`freshOrdersInBulk` false: every order by the join path, the bulk path's reference).
    static func bootstrap(
        _ store: OrderStore, from harness: SyncHarness, pageSize: Int, freshOrdersInBulk: Bool = true
    ) throws {
        while var request = try store.pendingSnapshot(limit: pageSize) {
            let version = request.version ?? harness.central.headVersion
            request.version = version
            let page = harness.central.replica.snapshotPage(
                after: request.after, limit: pageSize, version: version, headVersion: harness.central.headVersion,
                ordersTotal: request.after == nil ? 99 : nil)
            _ = try store.applySnapshotPage(page, freshOrdersInBulk: freshOrdersInBulk)
        }
    }

    /// Two workstations' edits of every kind: orders, items, status moves, notes, a removed item.
    static func busyCentral() throws -> (SyncHarness, OrderStore, OrderStore) {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        for index in 0..<5 {
            let order = try a.createOrder(sampleDraft(name: "Customer \(index)"), by: .test("ana"))
            harness.clock.advance(seconds: 1)
            try a.changeStatus(order.id, to: .paymentConfirmed, by: .test("ana"))
            try harness.sync(a)
            try harness.sync(b)
            harness.clock.advance(seconds: 1)
            try b.updateOrder(order.id, OrderPatch(notes: "B's note \(index)"), by: .test("ben"))
            try b.addItem(
                to: order.id, ItemDraft(productName: "Belt", quantity: 1, unitPrice: usd("40.00")), by: .test("ben"))
            try harness.sync(b)
        }
        try harness.sync(a)
        return (harness, a, b)
    }

    @Test func aBootstrapEqualsReplayingTheLog() throws {
        var (harness, a, _) = try Self.busyCentral()
        let joined = try harness.node("W3")
        let replayed = try harness.node("W4")
        #expect(try joined.pendingSnapshot() != nil, "a new replica bootstraps")
        try Self.bootstrap(joined, from: harness, pageSize: 2)
        #expect(try joined.pendingSnapshot() == nil)
        #expect(try joined.pullCursor() == harness.central.headVersion)
        #expect(try joined.syncStatus().bootstrap == nil)
        // The other replays the log from version 0 (what a node did before snapshots).
        try harness.pull(replayed)
        #expect(try joined.visibleTables() == replayed.visibleTables())
        #expect(try joined.visibleTables() == a.visibleTables())
        // More edits after the snapshot arrive by the normal pull.
        harness.clock.advance(seconds: 1)
        let order = try a.createOrder(sampleDraft(name: "After"), by: .test("ana"))
        try harness.sync(a)
        try harness.pull(joined)
        #expect(try joined.order(order.id).customerName == "After")
        #expect(try joined.visibleTables() == a.visibleTables())
    }

    /// Pages merged, then the connection drops: the checkpoint says where to go on, and a page
    /// merged twice (its commit's reply lost) changes nothing.
    @Test func aBootstrapResumesAfterItsLastPage() throws {
        let (harness, a, _) = try Self.busyCentral()
        let joined = try harness.node("W3")
        let head = harness.central.headVersion
        let first = harness.central.replica.snapshotPage(
            after: nil, limit: 2, version: head, headVersion: head, ordersTotal: 5)
        _ = try joined.applySnapshotPage(first)
        _ = try joined.applySnapshotPage(first)
        let resume = try #require(try joined.pendingSnapshot(limit: 2))
        #expect(resume.version == head && resume.after == first.nextAfter)
        let progress = try #require(try joined.syncStatus().bootstrap)
        #expect(progress.version == head && progress.ordersTotal == 5)
        #expect(try joined.pullCursor() == 0, "the cursor moves only when the snapshot is complete")
        try Self.bootstrap(joined, from: harness, pageSize: 2)
        #expect(try joined.visibleTables() == a.visibleTables())
    }

    /// A node behind the compaction horizon with unsynced edits: they stay visible over the new
    /// snapshot, stay in the outbox, and are pushed and judged as usual afterwards.
    @Test func aRebootstrapKeepsThePendingEdits() throws {
        var (harness, a, b) = try Self.busyCentral()
        let order = try #require(try a.orders(OrderFilter()).first)
        harness.clock.advance(seconds: 1)
        try a.updateOrder(order.id, OrderPatch(notes: "A, offline"), by: .test("ana"))
        let offline = try a.createOrder(sampleDraft(name: "Offline"), by: .test("ana"))
        harness.clock.advance(seconds: 1)
        try b.setPriority(order.id, to: .rush, by: .test("ben"))
        try harness.sync(b)
        let pending = try a.syncStatus().pending
        #expect(pending > 0)

        try a.requireBootstrap()
        try Self.bootstrap(a, from: harness, pageSize: 2)
        #expect(try a.syncStatus().pending == pending)
        #expect(try a.order(order.id).notes == "A, offline", "the pending edit stays over the snapshot")
        #expect(try a.order(order.id).priority == .rush, "the snapshot's newer field shows")
        #expect(try a.order(offline.id).customerName == "Offline")

        try harness.sync(a)
        try harness.sync(b)
        #expect(try a.syncStatus().pending == 0)
        #expect(try b.order(order.id).notes == "A, offline")
        #expect(try a.visibleTables() == b.visibleTables())
    }
}

extension MigrationTests {
    /// `2026-12-07-bootstrap` on a replica made by the schema before it: one that had pulled keeps
    /// pulling from its cursor; one that never pulled bootstraps.
    @Test(arguments: [(42 as Int64, false), (0, true)])
    func theBootstrapMigrationBootstrapsOnlyReplicasThatNeverPulled(cursor: Int64, bootstraps: Bool) throws {
        let directory = TemporaryDirectory()
        let path = OrderStore.replicaPath(directory.path)
        let old = try DatabaseQueue(path: path)
        let previous = try #require(ReplicaMigrations.identifiers.firstIndex(of: "2026-12-07-bootstrap")) - 1
        try ReplicaMigrations.migrator.migrate(old, upTo: ReplicaMigrations.identifiers[previous])
        try old.write { db in
            try db.execute(
                sql: "INSERT INTO node_identity VALUES (1, 'node-a', 'W1', 'S01', '2026-11-25T10:00:00.000Z')")
            try db.execute(sql: "INSERT INTO node_state VALUES (1, 0, 0, 1)")
            try db.execute(sql: "INSERT INTO sync_state (singleton, pull_cursor) VALUES (1, ?)", arguments: [cursor])
        }
        try old.close()
        let store = try OrderStore.open(directory: directory.path)
        #expect((try store.pendingSnapshot() != nil) == bootstraps)
        #expect(try store.pullCursor() == cursor)
        #expect(try store.syncStatus().bootstrap == nil)
    }
}
