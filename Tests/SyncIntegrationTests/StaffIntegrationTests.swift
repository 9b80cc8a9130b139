import Foundation
import Testing

/// Staff accounts end to end, as separate `kct` processes on loopback: accounts made at central
/// reach a workstation, a person signs in there, the workstation refuses what their role does not
/// allow, a role revoked while the workstation is offline rejects that person's queued edit at
/// central (the reason lands in the workstation's conflicts list), and central's audit trail has
/// every step.
@Suite(.serialized) struct StaffIntegrationTests {
    static let password = "a long enough password"

    @Test func roleRevokedWhileOfflineRejectsTheQueuedEditAndTheAuditTrailKeepsIt() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2")
        try cluster.centralCommandWithInput(
            Self.password + "\n",
            "central", "add-user", "--db", cluster.databasePath, "--email", "ana@kct.example", "--name", "Ana Tailor",
            "--role", "processor", "--password-stdin")
        for node in [w1, w2] { try cluster.startDaemon(node) }

        // W1's daemon brings Ana's account (made after W1 joined); she signs in on W1.
        try cluster.waitUntil("W1 to know ana@kct.example") {
            let login = try w1.kct.run(
                ["login", "--email", "ana@kct.example", "--password-stdin"], stdin: Self.password + "\n")
            return login.status == 0 ? nil : login.stderr
        }
        #expect(try w1.run("whoami", "--json").object()["role"] as? String == "processor")
        let number = try #require(try w1.createOrders(SampleOrders.orders(1, tag: "staff")).first)
        _ = try cluster.waitForConvergence(expected: [number])

        // A processor may not change priorities: refused on the workstation, nothing queued.
        let refused = try w1.kct.run(["orders", "priority", number, "rush"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("ana@kct.example is a processor and may not change priorities"), "\(refused.stderr)"
        )
        #expect(try w1.pending() == 0)

        // W1 goes offline; meanwhile central makes Ana a viewer. W1 still knows her as a
        // processor, so her offline edit is queued…
        #expect(w1.daemon?.stop() == 0)
        try cluster.centralCommand(
            "central", "set-role", "--db", cluster.databasePath, "--email", "ana@kct.example", "--role", "viewer")
        try w1.run("orders", "update", number, "--notes", "Ana, offline: shorten the sleeves")
        #expect(try w1.pending() == 1)

        // …and rejected by central when W1 reconnects: the reason is in W1's conflicts list,
        // W1's replica drops the edit, and W2 never sees it.
        try cluster.startDaemon(w1)
        try cluster.waitUntil("W1's queued edit to be settled") { try w1.pending() == 0 ? nil : "still pending" }
        let conflicts = try w1.run("conflicts", "list", "--json").array()
        let rejection = try #require(
            conflicts.first { ($0["code"] as? String) == "forbidden" }, "conflicts: \(conflicts)")
        #expect((rejection["message"] as? String)?.contains("ana@kct.example is a viewer") == true)
        _ = try cluster.waitForConvergence()
        for node in [w1, w2] {
            #expect(
                try node.run("orders", "show", number, "--json").object()["notes"] as? String
                    != "Ana, offline: shorten the sleeves")
        }

        // W1 learns the new role too: Ana's next edit is refused on the spot.
        try cluster.waitUntil("W1 to know Ana is a viewer") {
            let role = try w1.run("whoami", "--json").object()["role"] as? String
            return role == "viewer" ? nil : "W1 still has \(role ?? "nobody")"
        }
        let asViewer = try w1.kct.run(["orders", "update", number, "--notes", "again"])
        #expect(asViewer.status == 1 && asViewer.stderr.contains("is a viewer"), "\(asViewer.stderr)")

        // W2's person (an admin) edits the same order; the order's audit trail has both people,
        // the applied and the rejected change; Ana's has her sign-in and her role change.
        try w2.run("orders", "update", number, "--notes", "W2 admin: sleeves stay")
        _ = try cluster.waitForConvergence()
        let audit = try cluster.centralCommand(
            "central", "audit", "--db", cluster.databasePath, "--order", number, "--json"
        ).array()
        let changes = audit.filter { $0["kind"] as? String == "change" }
        #expect(Set(changes.compactMap { $0["person"] as? String }) == ["ana@kct.example", w2.staffEmail])
        #expect(
            changes.contains {
                $0["person"] as? String == "ana@kct.example" && $0["outcome"] as? String == "rejected"
                    && $0["code"] as? String == "forbidden"
            })
        #expect(
            changes.contains { $0["person"] as? String == "ana@kct.example" && $0["outcome"] as? String == "applied" })
        #expect(changes.contains { $0["person"] as? String == w2.staffEmail && $0["outcome"] as? String == "applied" })
        try cluster.waitUntil("Ana's sign-in to reach central's audit trail") {
            let trail = try cluster.centralCommand(
                "central", "audit", "--db", cluster.databasePath, "--user", "ana@kct.example", "--json"
            ).array()
            let kinds = Set(trail.compactMap { $0["kind"] as? String })
            return kinds.isSuperset(of: ["account_created", "sign_in", "role_changed", "change"])
                ? nil : "kinds so far: \(kinds.sorted())"
        }
    }
}
