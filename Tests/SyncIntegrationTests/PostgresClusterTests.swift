import Foundation
import LocalPostgres
import TestSupport
import Testing

/// Central on PostgreSQL as operators run it (issue 14): several `kct central serve` processes on
/// one database, workstations connected to different ones, a process killed with -9 in the
/// middle of a push; and a SQLite central moved to PostgreSQL while its workstations are offline.
@Suite(.serialized) struct PostgresClusterTests {
    @Test func threeWorkstationsThroughTwoCentralProcessesSurviveAKillMidPush() throws {
        let cluster = try SyncCluster(postgresURL: try PostgresServer.shared().createDatabase())
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let second = try cluster.startOtherCentral()
        // W1 pushes to the first process; W2 and W3 stream from the second, which hears of W1's
        // pushes only through PostgreSQL (the daemons do not poll).
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2", via: second.url)
        let w3 = try cluster.addWorkstation("W3", via: second.url)
        let auditToken = try cluster.addNode("AUDIT")
        for node in [w1, w2, w3] { try cluster.startDaemon(node) }

        var created = Set(try w1.createOrders(SampleOrders.orders(5, tag: "A")))
        created.formUnion(try w2.createOrders(SampleOrders.orders(5, tag: "B")))
        try cluster.waitForConvergence(expected: created, timeout: 30)

        // A big outbox on W1 while its daemon is down; the first process is killed while it
        // takes the push. W2 and W3 keep editing and syncing through the second meanwhile.
        #expect(w1.daemon?.stop() == 0)
        let big = try w1.createOrders(SampleOrders.orders(300, tag: "K"))
        created.formUnion(big)
        let headBefore = try #require(try cluster.centralHead())
        try cluster.startDaemon(w1)
        try cluster.waitUntil("central to take part of W1's push", timeout: 30) {
            let head = try cluster.centralHead(waitingUpTo: 2) ?? headBefore
            return head > headBefore ? nil : "head still \(head)"
        }
        cluster.central?.killNow()
        created.formUnion(try w3.createOrders(SampleOrders.orders(5, tag: "C")))
        try cluster.waitForConvergence(of: [w2, w3], timeout: 30)

        // The first process comes back on its address; W1's outbox drains into it.
        try cluster.startCentral()
        try cluster.waitForConvergence(expected: created, timeout: 90)

        // Nothing applied twice, nothing skipped: the log is 1…N, and each workstation's changes
        // are in it once each, its sequences 1…last.
        let log = try cluster.centralLog(token: auditToken)
        #expect(log.map(\.version) == Array(1...log.count), "log versions must be 1…N without holes")
        for node in [w1, w2, w3] {
            let (nodeID, lastSequence) = try node.outboxHead()
            let sequences = log.filter { $0.nodeID == nodeID }.map(\.sequence)
            #expect(sequences.sorted() == Array(1...lastSequence), "\(node.name)'s changes in central's log")
        }
    }

    @Test func aSQLiteCentralMovedToPostgreSQLKeepsItsWorkstationsSyncing() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2")
        let auditToken = try cluster.addNode("AUDIT")
        for node in [w1, w2] { try cluster.startDaemon(node) }
        var created = Set(try w1.createOrders(SampleOrders.orders(20, tag: "S")))
        try cluster.waitForConvergence(expected: created, timeout: 30)
        let logBefore = try cluster.centralLog(token: auditToken)
        let cursorBefore = try #require(try w2.syncStatus()["cursor"] as? Int)
        #expect(cursorBefore == logBefore.count)

        // Offline: central and both daemons stop; W1 keeps working.
        for node in [w1, w2] { #expect(node.daemon?.stop() == 0) }
        #expect(cluster.central?.stop() == 0)
        created.formUnion(try w1.createOrders(SampleOrders.orders(3, tag: "O")))

        let url = try PostgresServer.shared().createDatabase()
        let moved = try KCTProcess(dataDir: cluster.directory + "/no-replica").run([
            "central", "migrate-to-postgres", "--from", cluster.databasePath, "--to", url,
        ])
        #expect(moved.status == 0, "migrate-to-postgres: \(moved.stderr)")
        #expect(moved.stdout.contains("the log's head is version \(logBefore.count)"))

        // Central now serves PostgreSQL on the same address; the workstations reconnect with the
        // cursors and tokens they had.
        let onPostgres = try KCTServer(
            name: "central on PostgreSQL",
            arguments: ["central", "serve", "--db", url, "--listen", cluster.centralListen], environment: [:],
            logPath: cluster.directory + "/central-postgres.log", readyPrefix: "central listening on ")
        defer { onPostgres.killNow() }
        for node in [w1, w2] { try cluster.startDaemon(node) }
        try cluster.waitForConvergence(expected: created, timeout: 60)

        // The log moved as it was: the same entries at the same versions, then W1's offline edits.
        let logAfter = try cluster.centralLog(token: auditToken)
        #expect(logAfter.prefix(logBefore.count).map(\.version) == logBefore.map(\.version))
        #expect(
            logAfter.prefix(logBefore.count).map { "\($0.nodeID)/\($0.sequence)" }
                == logBefore.map { "\($0.nodeID)/\($0.sequence)" })
        #expect(logAfter.count > logBefore.count)
        #expect(try w2.syncStatus()["cursor"] as? Int == logAfter.count)
        // The SQLite file is left as it was; a second move into a database that holds a store is refused.
        let again = try KCTProcess(dataDir: cluster.directory + "/no-replica").run([
            "central", "migrate-to-postgres", "--from", cluster.databasePath, "--to", url,
        ])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }
}
