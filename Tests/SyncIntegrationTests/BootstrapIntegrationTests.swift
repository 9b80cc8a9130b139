import Foundation
import TestSupport
import Testing

/// Snapshot bootstrap and log compaction with real processes (SYNC-PROTOCOL.md §4.9–4.10): a
/// workstation joining a central whose log was compacted gets its shop's orders from a snapshot
/// and then pulls as usual; a bootstrap cut mid-snapshot resumes after its last page; a
/// workstation offline past the compaction horizon with unsynced edits re-bootstraps and loses
/// nothing.
@Suite(.serialized) struct BootstrapIntegrationTests {
    /// `kct central compact --keep-versions N` on the cluster's database (central running).
    static func compact(_ cluster: SyncCluster, keepVersions: Int) throws -> String {
        try cluster.centralCommand(
            "central", "compact", "--db", cluster.databasePath, "--keep-versions", String(keepVersions)
        ).stdout
    }

    @Test(arguments: CentralBackend.allCases) func aJoiningWorkstationBootstrapsFromASnapshotThenKeepsPulling(
        _ backend: CentralBackend
    ) throws {
        let cluster = try SyncCluster(backend: backend)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        try cluster.startDaemon(w1)
        var expected = Set(try w1.createOrders(SampleOrders.orders(12, tag: "early")))
        try cluster.waitForConvergence(of: [w1], expected: expected)
        // Nothing before the head stays in the log: only a snapshot can bring the orders.
        #expect(try Self.compact(cluster, keepVersions: 0).contains("removed"))

        let w2 = try cluster.addWorkstation("W2")
        let joined = try #require(w2.initOutput?.stderr)
        #expect(joined.contains("12 order(s) from central's snapshot"), "\(joined)")
        // Off a terminal the progress is plain lines, the last one complete.
        #expect(joined.contains("bootstrap [##############################] 12/12 orders"), "\(joined)")
        #expect(try w2.orderNumbers() == expected, "bootstrapped by `kct init --central` alone")
        #expect(try w2.ordersSnapshot() == w1.ordersSnapshot())
        let status = try w2.syncStatus()
        #expect(status["bootstrap"] == nil)
        #expect(status["lag"] as? Int == 0)
        // A workstation of another shop gets none of them, by snapshot as by pull.
        let other = try cluster.addWorkstation("X1", shop: "S02")
        #expect(try other.orderNumbers().isEmpty)

        try cluster.startDaemon(w2)
        expected.formUnion(try w1.createOrders(SampleOrders.orders(3, tag: "later")))
        expected.formUnion(try w2.createOrders(SampleOrders.orders(2, tag: "joined")))
        try cluster.waitForConvergence(of: [w1, w2], expected: expected)
    }

    @Test func aBootstrapCutMidSnapshotResumesAfterItsLastPage() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        try cluster.startDaemon(w1)
        let expected = Set(try w1.createOrders(SampleOrders.orders(25, tag: "shop")))
        try cluster.waitForConvergence(of: [w1], expected: expected)

        let centralPort = try #require(Int(cluster.centralListen.split(separator: ":").last ?? ""))
        let proxy = try FaultProxy(upstreamPort: centralPort)
        defer { proxy.stop() }
        let w2 = try cluster.addWorkstation("W2", via: proxy.url, initArguments: ["--no-sync"])
        // The first page's request is cut after its head (its query starts with `limit=`): curl
        // sends it again on a fresh connection. The second page (a snapshot continued: `version=`
        // first in its query) is cut mid-body: the attempt fails after merging the first page.
        let cutFirst = FaultProxy.Fault.cutRequest(path: "/v1/snapshot?limit=", afterBytes: 0)
        let cut = FaultProxy.Fault.cutResponse(path: "/v1/snapshot?version=", afterBytes: 64)
        proxy.inject(cutFirst)
        proxy.inject(cut)
        let failed = try w2.kct.run(["sync", "now", "--snapshot-page-limit", "10"])
        #expect(failed.status == 6, "\(failed.stderr)")
        #expect(proxy.fired == [cutFirst, cut])
        let halfway = try #require(try w2.syncStatus()["bootstrap"] as? [String: Any])
        #expect(halfway["orders_done"] as? Int == 10 && halfway["orders_total"] as? Int == 25)
        #expect(try w2.run("sync", "status").stdout.contains("bootstrap:      10 of 25 orders"))
        #expect(try w2.orderNumbers().count == 10, "the first page is merged and shown")

        let resumed = try w2.run("sync", "now", "--snapshot-page-limit", "10", "--json").object()
        #expect(resumed["snapshot_orders"] as? Int == 15, "resumed after the first page, not from the start")
        #expect(try w2.orderNumbers() == expected)
        #expect(try w2.ordersSnapshot() == w1.ordersSnapshot())
        #expect(try w2.syncStatus()["bootstrap"] == nil)
    }

    @Test(arguments: CentralBackend.allCases) func aWorkstationOfflinePastTheHorizonRebootstrapsKeepingItsEdits(
        _ backend: CentralBackend
    ) throws {
        let cluster = try SyncCluster(backend: backend)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2")
        try cluster.startDaemon(w1)
        try cluster.startDaemon(w2)
        var expected = Set(try w1.createOrders(SampleOrders.orders(4, tag: "before")))
        try cluster.waitForConvergence(expected: expected)

        // W2 goes offline and keeps working; W1 goes on; central compacts past W2's cursor.
        _ = w2.daemon?.stop()
        let w2Cursor = try #require(try w2.syncStatus()["cursor"] as? Int)
        let shared = try #require(expected.sorted().first)
        try w2.run("orders", "update", shared, "--notes", "W2, offline: hem the trousers")
        let offline = try w2.createOrders(SampleOrders.orders(2, tag: "offline"))
        expected.formUnion(try w1.createOrders(SampleOrders.orders(5, tag: "meanwhile")))
        try cluster.waitForConvergence(of: [w1], expected: expected)
        _ = try Self.compact(cluster, keepVersions: 0)
        let head = try #require(try cluster.centralHead())
        #expect(head > w2Cursor)

        try cluster.startDaemon(w2)
        expected.formUnion(offline)
        try cluster.waitForConvergence(expected: expected, timeout: 60)
        let shown = try w1.run("orders", "show", shared, "--json").object()
        #expect(shown["notes"] as? String == "W2, offline: hem the trousers", "W2's offline edit reached W1")
        #expect(try w2.pending() == 0)
        #expect(try w2.syncStatus()["open_conflicts"] as? Int == 0)
        // Central's audit trail (never compacted) holds each of W2's changes once.
        let (_, lastSequence) = try w2.outboxHead()
        let audit = try cluster.centralCommand(
            "central", "audit", "--db", cluster.databasePath, "--node", "W2", "--json"
        ).array()
        let audited = audit.filter { $0["kind"] as? String == "change" }.compactMap { $0["sequence"] as? Int }
        #expect(audited.sorted() == Array(1...lastSequence))
        #expect(cluster.logs().contains("bootstrapping, keeping the outbox"), "W2 re-bootstrapped")
    }
}
