import Foundation
import TestSupport
import Testing

/// Scopes end to end: daemons of two shops and an admin workstation (`--scope all`) on one
/// central. Each shop's replica holds its own shop's orders only, the admin's holds all of them,
/// and every cursor reaches central's head (a shop's node is not stuck behind versions it may not
/// see).
@Suite(.serialized) struct ScopeIntegrationTests {
    @Test(arguments: CentralBackend.allCases) func eachShopsReplicaHoldsItsOwnOrdersAndTheAdminsHoldsAll(
        _ backend: CentralBackend
    ) throws {
        let cluster = try SyncCluster(backend: backend)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let s01 = try cluster.addWorkstation("W1", shop: "S01")
        let s02 = try cluster.addWorkstation("W2", shop: "S02")
        let admin = try cluster.addWorkstation("HQ", shop: "S01", scope: "all")
        // Made before the daemons start, which push them at once.
        let ordersOfS01 = Set(try s01.createOrders(SampleOrders.orders(3, tag: "S01")))
        let ordersOfS02 = Set(try s02.createOrders(SampleOrders.orders(2, tag: "S02")))
        let ordersOfHQ = Set(try admin.createOrders(SampleOrders.orders(1, tag: "HQ")))
        for node in [s01, s02, admin] { try cluster.startDaemon(node) }
        let everything = ordersOfS01.union(ordersOfS02).union(ordersOfHQ)
        let wanted: [(SyncCluster.Node, Set<String>)] = [
            (s01, ordersOfS01.union(ordersOfHQ)), (s02, ordersOfS02), (admin, everything),
        ]
        // Caught up: each holds its scope's orders with nothing pending and no lag behind the head
        // it knows. (A shop's stream is told only of its shop's pushes, so its cursor moves past
        // other shops' versions on its next pull, not on every push elsewhere.)
        try cluster.waitUntil("every replica holds its scope's orders, caught up") {
            for (node, orders) in wanted {
                let have = try node.orderNumbers()
                if have != orders {
                    // What central holds for this token, and the workstations' sync state, for the message.
                    let visible = try cluster.centralLog(token: node.token).map(\.version)
                    let states = try [s01, s02, admin].map { "\($0.name): \(try $0.syncStatus())" }
                    return "\(node.name) holds \(have.sorted()), wants \(orders.sorted()); its token pulls "
                        + "\(visible); head \(try cluster.centralHead() ?? -1); \(states)"
                }
                let status = try node.syncStatus()
                if status["pending"] as? Int != 0 { return "\(node.name) has edits pending" }
                if status["lag"] as? Int != 0 { return "\(node.name) lags: \(status)" }
            }
            return nil
        }
        // An edit of S01's order on W1 reaches the admin, and nothing of it reaches W2.
        let order = try #require(ordersOfS01.sorted().first)
        try s01.run("orders", "update", order, "--notes", "fitting moved to Friday")
        try cluster.waitUntil("the admin sees W1's edit") {
            let shown = try admin.run("orders", "show", order, "--json").object()
            guard shown["notes"] as? String == "fitting moved to Friday" else {
                return "notes \(shown["notes"] ?? "?"); W1 \(try s01.syncStatus()); HQ \(try admin.syncStatus()); "
                    + "head \(try cluster.centralHead() ?? -1)"
            }
            return nil
        }
        #expect(try s02.orderNumbers() == ordersOfS02)
        #expect(try !s02.ordersSnapshot().contains("Customer S01"))
        // Not stuck: W2's next sync takes its cursor past every version of the other shop.
        try s02.run("orders", "update", try #require(ordersOfS02.sorted().first), "--notes", "S02 again")
        try cluster.waitUntil("W2's cursor at central's head") {
            guard let head = try cluster.centralHead() else { return "central's head unknown" }
            let status = try s02.syncStatus()
            return status["cursor"] as? Int == head && status["pending"] as? Int == 0 ? nil : "\(status), head \(head)"
        }
    }
}
