import Foundation
import TestSupport
import Testing

/// A real full disk (ENOSPC on a small tmpfs) under a node's replica and under central's
/// database: edits, merges and pushes fail with an error that says the disk is full, nothing
/// already saved is damaged (`PRAGMA integrity_check`), and everything resumes once space is
/// freed. Mounting needs root, as the tests and CI run here.
@Suite(
    .serialized,
    .enabled(if: SmallDisk.isAvailable, "mounting a tmpfs is not permitted for this user (the tests need root)"))
struct DiskFullTests {
    /// `kct orders create` of one sample order; the order number when it was saved.
    static func createOne(_ node: SyncCluster.Node, tag: String) throws -> (KCTProcess.Result, String?) {
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: SampleOrders.orders(1, tag: tag)), as: UTF8.self)
        let result = try node.kct.run(["orders", "create", "--from-json", "-"], stdin: json)
        let number = result.stdout.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.first == "created" && words.count > 1 ? String(words[1]) : nil
        }.first
        return (result, result.status == 0 ? number : nil)
    }

    @Test func fullDiskOnANodeRefusesEditsAndMergesClearlyAndResumesOnceFreed() throws {
        let disk = try SmallDisk(megabytes: 24)
        defer { disk.unmount() }
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let full = try cluster.addWorkstation("W1", dataDir: disk.path + "/node-W1")
        let other = try cluster.addWorkstation("W2")
        try cluster.startDaemon(full)
        try cluster.startDaemon(other)
        var expected = Set(try full.createOrders(SampleOrders.orders(3, tag: "before")))
        try cluster.waitForConvergence(expected: expected)
        let replica = full.kct.dataDir + "/replica.sqlite"

        try disk.fill()
        // The replica's WAL may still have room for an edit or two; then an edit needs a page the
        // disk does not have.
        var refused: KCTProcess.Result?
        for attempt in 0..<40 {
            let (result, number) = try Self.createOne(full, tag: "full\(attempt)")
            guard let number else {
                refused = result
                break
            }
            expected.insert(number)
        }
        let refusal = try #require(refused, "40 orders were saved on a full disk")
        print("full disk: \(expected.count - 3) orders still fitted; then: \(refusal.stderr)")
        #expect(refusal.status == 5, "exit status \(refusal.status): \(refusal.stderr)")
        #expect(refusal.stderr.contains("disk holding the replica is full"), "stderr: \(refusal.stderr)")

        // Merges: W2's orders reach W1's daemon, which cannot merge them and says why.
        let remote = try other.createOrders(SampleOrders.orders(3, tag: "remote"))
        expected.formUnion(remote)
        try cluster.waitUntil("W1's daemon reports the full disk", timeout: 30) {
            full.daemon?.logTail(20_000).contains("disk holding the replica is full") == true ? nil : "not yet"
        }
        #expect(try SmallDisk.integrityCheck(replica) == "ok")
        #expect(try full.orderNumbers().isSuperset(of: expected.subtracting(remote)), "an order saved before is gone")

        // Space again: edits work, the merge is retried, everything converges.
        try disk.free()
        expected.formUnion(try full.createOrders(SampleOrders.orders(2, tag: "after")))
        try cluster.waitForConvergence(expected: expected, timeout: 90)
        #expect(try SmallDisk.integrityCheck(replica) == "ok")
    }

    @Test func fullDiskAtCentralRefusesPushesClearlyAndResumesOnceFreed() throws {
        let disk = try SmallDisk(megabytes: 24)
        defer { disk.unmount() }
        let cluster = try SyncCluster(databaseDirectory: disk.path)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let writer = try cluster.addWorkstation("W1")
        let reader = try cluster.addWorkstation("W2")
        let auditToken = try cluster.addNode("AUDIT")
        try cluster.startDaemon(writer)
        try cluster.startDaemon(reader)
        var expected = Set(try writer.createOrders(SampleOrders.orders(3, tag: "before")))
        try cluster.waitForConvergence(expected: expected)

        try disk.fill()
        // The operator's CLI on the full disk: refused with the storage exit code, saying why.
        let addNode = try KCTProcess(dataDir: cluster.directory + "/no-replica").run([
            "central", "add-node", "--db", cluster.databasePath, "--name", "W9", "--shop", "S01",
        ])
        #expect(addNode.status == 5, "exit status \(addNode.status): \(addNode.stderr)")
        #expect(addNode.stderr.contains("disk holding central's database is full"), "stderr: \(addNode.stderr)")

        // Pushes: the writer's edits are saved locally; central refuses them (503) until it has space.
        expected.formUnion(try writer.createOrders(SampleOrders.orders(5, tag: "full")))
        try cluster.waitUntil("the writer sees central's full disk", timeout: 30) {
            let error = try writer.syncStatus()["last_error"] as? String ?? ""
            return error.contains("central's disk is full") ? nil : "last_error: \(error)"
        }
        #expect(try writer.pending() > 0)
        #expect(try SmallDisk.integrityCheck(cluster.databasePath) == "ok")

        try disk.free()
        try cluster.waitForConvergence(expected: expected, timeout: 90)
        #expect(try SmallDisk.integrityCheck(cluster.databasePath) == "ok")
        // Nothing applied twice: each of the writer's changes is logged once.
        let (writerID, lastSequence) = try writer.outboxHead()
        let logged = try cluster.centralLog(token: auditToken).filter { $0.nodeID == writerID }.map(\.sequence)
        #expect(logged.sorted() == Array(1...lastSequence))
    }
}
