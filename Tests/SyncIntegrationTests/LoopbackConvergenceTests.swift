import Foundation
import TestSupport
import Testing

/// Central and three workstations as separate `kct` processes on loopback: orders made and
/// edited on each reach all; central goes away while the workstations keep working and comes
/// back on the same database; a conflicting edit ends the same everywhere and its loser is in
/// the losing workstation's conflicts list.
@Suite(.serialized) struct LoopbackConvergenceTests {
    @Test(arguments: CentralBackend.allCases) func threeWorkstationsConvergeThroughAnOutageOfCentral(
        _ backend: CentralBackend
    ) throws {
        let cluster = try SyncCluster(backend: backend)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let nodes = try ["W1", "W2", "W3"].map { try cluster.addWorkstation($0) }
        for node in nodes { try cluster.startDaemon(node) }

        // Online: orders made on each workstation reach every other.
        var expected = Set<String>()
        for node in nodes { expected.formUnion(try node.createOrders(SampleOrders.orders(2, tag: node.name))) }
        #expect(expected.count == 6)
        try cluster.waitForConvergence(expected: expected)

        // Online edits of orders another workstation made.
        let (w1, w2, w3) = (nodes[0], nodes[1], nodes[2])
        let ofW1 = expected.filter { $0.contains("-W1-") }.sorted()
        let ofW2 = expected.filter { $0.contains("-W2-") }.sorted()
        let ofW3 = expected.filter { $0.contains("-W3-") }.sorted()
        try w1.run("orders", "update", ofW2[0], "--notes", "W1 edited W2's order")
        try w2.run("orders", "status", ofW3[0], "payment_confirmed", "--note", "paid at W2")
        try w3.run("orders", "update", ofW1[0], "--phone", "+1 816 555 0199")
        try cluster.waitForConvergence(expected: expected)
        for node in nodes {
            #expect(
                try node.run("orders", "show", ofW2[0], "--json").object()["notes"] as? String == "W1 edited W2's order"
            )
            #expect(
                try node.run("orders", "show", ofW3[0], "--json").object()["status"] as? String == "payment_confirmed")
            #expect(
                try node.run("orders", "show", ofW1[0], "--json").object()["customer_phone"] as? String
                    == "+1 816 555 0199")
        }

        // Central stops (SIGTERM: exit 0); the workstations keep working and queue their edits.
        #expect(cluster.central?.stop() == 0, "central should exit 0 on SIGTERM")
        for node in nodes {
            expected.formUnion(try node.createOrders(SampleOrders.orders(1, tag: node.name + "offline")))
        }
        #expect(expected.count == 9)
        let contested = ofW3[1]
        let w1Wants = "W1 offline: hem the trousers", w2Wants = "W2 offline: let out the jacket"
        try w1.run("orders", "update", contested, "--notes", w1Wants)
        try w2.run("orders", "update", contested, "--notes", w2Wants)
        try w3.run("orders", "status", ofW1[1], "payment_confirmed", "--note", "paid while central was down")
        for node in nodes {
            #expect(try node.pending() > 0, "\(node.name) should have queued its offline edits")
            #expect(
                try node.run("orders", "show", contested, "--json").object()["notes"] as? String
                    == (node === w1 ? w1Wants : node === w2 ? w2Wants : "created on W3"))
        }
        let syncNow = try w1.kct.run(["sync", "now"])
        #expect(syncNow.status != 0, "kct sync now must fail while central is down")
        #expect(!syncNow.stderr.isEmpty, "and say why")

        // Central comes back on the same database and address; everything converges.
        try cluster.startCentral()
        try cluster.waitForConvergence(expected: expected)

        // The contested field ends the same everywhere; the loser is in its own conflicts list.
        let notes = try Set(
            nodes.map { try $0.run("orders", "show", contested, "--json").object()["notes"] as? String ?? "" })
        #expect(notes.count == 1)
        let winner = try #require(notes.first)
        try #require(winner == w1Wants || winner == w2Wants, "contested notes are \(winner)")
        let (loser, lost) = winner == w1Wants ? (w2, w2Wants) : (w1, w1Wants)
        let winnerNode = loser === w1 ? w2 : w1
        let loserConflicts = try loser.run("conflicts", "list", "--json").stdout
        #expect(
            loserConflicts.contains(lost), "\(loser.name)'s conflicts should hold its losing value: \(loserConflicts)")
        #expect(loserConflicts.contains(winner), "and the value that won")
        #expect(!(try winnerNode.run("conflicts", "list", "--json").stdout.contains(lost)), "the winner lost nothing")
        for node in nodes {
            #expect(
                try node.run("orders", "show", ofW1[1], "--json").object()["status"] as? String == "payment_confirmed")
        }

        // Daemons stop cleanly.
        for node in nodes { #expect(node.daemon?.stop() == 0, "\(node.name)'s daemon should exit 0 on SIGTERM") }
        #expect(cluster.central?.stop() == 0)
    }
}
