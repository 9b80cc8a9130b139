import Foundation
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// A pulled page's orders the replica holds nothing of are written by the bootstrap's bulk path
/// (`OrderStore.insertFresh`); the others are merged by lookups and re-projection. Both must leave
/// the same replica.
@Suite struct PullFreshOrdersTests {
    /// The same log pulled into two copies of one replica, fresh orders in bulk and every order
    /// merged by lookups: every table of the two is the same, row for row. Pages of 3 split an
    /// order's changes over pages (its later changes find it confirmed); one page of 500 holds
    /// whole orders, status moves and later edits included. The replica is new (everything is
    /// fresh) or W1, which confirmed some orders and holds unsynced edits of two.
    @Test(arguments: [(false, 3), (false, 500), (true, 3), (true, 500)])
    func freshOrdersInBulkWriteWhatMergingWrites(rebootstrap: Bool, pageSize: Int) throws {
        let (harness, original) = try CompactSnapshotTests.replicaToBootstrap(rebootstrap: rebootstrap)
        let copy = harness.directory.sub("copy")
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        let bulk = try OrderStore.open(directory: original, clock: harness.clock.function)
        let merged = try OrderStore.open(directory: copy, clock: harness.clock.function)
        var freshPages = 0
        for (store, inBulk) in [(bulk, true), (merged, false)] {
            while true {
                let page = harness.central.pull(PullRequest(after: try store.pullCursor(), limit: pageSize))
                if inBulk {
                    let orders = Set(page.entries.map(\.change.orderID))
                    let fresh = try store.read { db in try OrderStore.freshOrderIDs(db, among: orders) }
                    if !fresh.isEmpty { freshPages += 1 }
                }
                _ = try store.applyPullPage(page, freshOrdersInBulk: inBulk)
                if !page.hasMore { break }
            }
        }
        #expect(freshPages > 0, "some pages hold orders the replica knew nothing of")
        let tables = try bulk.everyTable()
        #expect(tables == (try merged.everyTable()))
        #expect(tables.filter { $0.hasPrefix("orders: ") }.count == (rebootstrap ? 10 : 5))
        #expect(tables.contains { $0.hasPrefix("orders: ") && $0.contains("A, offline") } == rebootstrap)
    }
}
