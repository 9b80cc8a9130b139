import Foundation
import Testing

/// Checksums and self-healing end to end (SYNC-PROTOCOL.md §4.11): `kct sync verify` and the
/// daemon compare a replica with central's bucket checksums and repair what differs, after the
/// replica was changed behind kct's back with the sqlite3 CLI.
@Suite(.serialized) struct ChecksumIntegrationTests {
    /// `order_items`' code in `confirmed_rows.entity` (the Store's `ConfirmedState.entityCode`).
    static let itemsCode = 2
    /// An order id as `confirmed_rows.order_id` holds it: the UUID's 16 bytes.
    static func stored(_ orderID: String) -> String { "x'\(orderID.replacingOccurrences(of: "-", with: ""))'" }

    /// Central and workstation W1 (shop S01) with `orders` orders, all pushed.
    static func syncedWorkstation(orders: Int) throws -> (SyncCluster, SyncCluster.Node, [String]) {
        let cluster = try SyncCluster()
        try cluster.startCentral()
        let node = try cluster.addWorkstation("W1")
        let numbers = try node.createOrders(SampleOrders.orders(orders, tag: "S01"))
        try node.run("sync", "now")
        return (cluster, node, numbers)
    }

    @Test func checksumsAgreeAfterSyncOnEveryNodeOfEveryScope() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let s01 = try cluster.addWorkstation("W1", shop: "S01")
        let s01b = try cluster.addWorkstation("W1B", shop: "S01")
        let s02 = try cluster.addWorkstation("W2", shop: "S02")
        let admin = try cluster.addWorkstation("HQ", shop: "S01", scope: "all")
        let numbers = try s01.createOrders(SampleOrders.orders(4, tag: "S01"))
        _ = try s02.createOrders(SampleOrders.orders(3, tag: "S02"))
        _ = try admin.createOrders(SampleOrders.orders(1, tag: "HQ"))
        for node in [s01, s01b, s02, admin] { try node.run("sync", "now") }
        // Edits after creation: a status move, an item change, an exception, on two nodes.
        try s01b.run("sync", "now")
        try s01b.run("orders", "update", numbers[0], "--notes", "edited on W1B")
        try s01.run("orders", "status", numbers[1], "payment_confirmed", "--note", "paid at the till")
        try s01.run("exceptions", "open", numbers[2], "--type", "fabric_delay", "--severity", "high")
        // Items added, changed and removed, the priority, a message, a claim and its release, the
        // exception resolved: every local write path writes what the projection would.
        try s01.run("orders", "item", "add", numbers[3], "name=Vest,qty=1,price=120.00,size=40R,color=navy")
        try s01.run("orders", "item", "update", numbers[3], "1", "qty=2,price=110.00")
        try s01.run("orders", "item", "remove", numbers[3], "2")
        try s01.run("orders", "priority", numbers[3], "rush")
        try s01b.run("orders", "log", numbers[0], "--message", "called the customer")
        try s01.run("queue", "claim", numbers[1])
        try s01.run("queue", "release", numbers[1])
        let exceptions = try s01.run("orders", "show", numbers[2], "--json").object()["exceptions"]
        let exception = try #require((exceptions as? [[String: Any]])?.first?["id"] as? String)
        try s01.run("exceptions", "resolve", exception, "--note", "fabric arrived", "--customer-notified")
        for node in [s01, s01b, s02, admin, s01, s01b] { try node.run("sync", "now") }
        for node in [s01, s01b, s02, admin] {
            let report = try node.run("sync", "verify", "--json").object()
            #expect(report["buckets_checked"] as? Int == 1024, "\(node.name): \(report)")
            #expect(report["mismatched"] as? [Int] == [], "\(node.name): \(report)")
            #expect(report["repaired"] as? [Int] == [], "\(node.name): \(report)")
            let verify = try #require(try node.syncStatus()["verify"] as? [String: Any])
            #expect(verify["runs_total"] as? Int == 1)
            #expect(verify["buckets_mismatched"] as? Int == 0)
        }
        let text = try s01.run("sync", "status").stdout
        #expect(text.contains("1024 buckets checked, 0 mismatched, 0 repaired"), "\(text)")
    }

    @Test func aCorruptedTypedRowIsFoundRepairedAndCounted() throws {
        let (cluster, node, numbers) = try Self.syncedWorkstation(orders: 3)
        defer { cluster.shutDown() }
        let before = try node.ordersSnapshot()
        let renamed = try Replica.orderID(node, numbers[0])
        let lostItem = try Replica.orderID(node, numbers[1])
        try Replica.sql(node, "UPDATE orders SET customer_name = 'x' WHERE id = '\(renamed)'")
        try Replica.sql(
            node,
            "DELETE FROM order_items WHERE id = (SELECT id FROM order_items WHERE order_id = '\(lostItem)' LIMIT 1)")
        #expect(try node.ordersSnapshot() != before)

        let report = try node.run("sync", "verify", "--json").object()
        let mismatched = try #require(report["mismatched"] as? [Int], "\(report)")
        #expect((1...2).contains(mismatched.count), "\(report)")
        #expect(report["repaired"] as? [Int] == mismatched, "\(report)")
        #expect(Set(report["repaired_orders"] as? [String] ?? []).isSuperset(of: [renamed, lostItem]))
        #expect(try node.ordersSnapshot() == before)
        let shown = try node.run("orders", "show", numbers[0], "--json").object()
        #expect(shown["customer_name"] as? String == "Customer S01 0")
        let verify = try #require(try node.syncStatus()["verify"] as? [String: Any])
        #expect(verify["repaired_total"] as? Int == mismatched.count)
        #expect(verify["buckets_repaired"] as? Int == mismatched.count)
        // Nothing left to repair.
        let again = try node.run("sync", "verify", "--json").object()
        #expect(again["mismatched"] as? [Int] == [], "\(again)")
    }

    @Test func aCorruptedConfirmedStateIsFoundAndRepaired() throws {
        let (cluster, node, numbers) = try Self.syncedWorkstation(orders: 2)
        defer { cluster.shutDown() }
        let before = try node.ordersSnapshot()
        let orderID = try Replica.orderID(node, numbers[0])
        let confirmedItems =
            "SELECT count(*) FROM confirmed_rows WHERE entity = \(Self.itemsCode) "
            + "AND order_id = \(Self.stored(orderID))"
        #expect(try Replica.sql(node, confirmedItems) == "2")
        // The typed tables still show the items: only the confirmed copy is damaged.
        try Replica.sql(
            node, "DELETE FROM confirmed_rows WHERE entity = \(Self.itemsCode) AND order_id = \(Self.stored(orderID))")
        #expect(try node.ordersSnapshot() == before)

        let report = try node.run("sync", "verify", "--json").object()
        #expect((report["mismatched"] as? [Int])?.count == 1, "\(report)")
        #expect(report["repaired"] as? [Int] == report["mismatched"] as? [Int], "\(report)")
        #expect(try Replica.sql(node, confirmedItems) == "2")
        #expect(try node.ordersSnapshot() == before)
        #expect(try node.run("sync", "verify", "--json").object()["mismatched"] as? [Int] == [])
    }

    @Test func aPendingEditIsNoMismatchAndSurvivesARepairOfItsBucket() throws {
        let (cluster, node, numbers) = try Self.syncedWorkstation(orders: 2)
        defer { cluster.shutDown() }
        let orderID = try Replica.orderID(node, numbers[0])
        try node.run("orders", "update", numbers[0], "--notes", "pending note")
        #expect(try node.pending() == 1)
        // Its typed row differs from central's legitimately: not a mismatch.
        let clean = try node.run("sync", "verify", "--no-sync", "--json").object()
        #expect(clean["mismatched"] as? [Int] == [], "\(clean)")
        #expect(clean["pending_orders"] as? Int == 1, "\(clean)")
        #expect(try node.pending() == 1)

        // Its confirmed state damaged: the bucket is repaired, and the pending edit still shows.
        try Replica.sql(
            node, "DELETE FROM confirmed_rows WHERE entity = \(Self.itemsCode) AND order_id = \(Self.stored(orderID))")
        let report = try node.run("sync", "verify", "--no-sync", "--json").object()
        #expect((report["mismatched"] as? [Int])?.count == 1, "\(report)")
        #expect(report["repaired"] as? [Int] == report["mismatched"] as? [Int], "\(report)")
        #expect(try node.pending() == 1)
        let shown = try node.run("orders", "show", numbers[0], "--json").object()
        #expect(shown["notes"] as? String == "pending note")
        #expect((shown["items"] as? [[String: Any]])?.count == 2, "\(shown)")

        // Pushed afterwards as usual, and then everything matches.
        let synced = try node.run("sync", "verify", "--json").object()
        #expect(synced["mismatched"] as? [Int] == [], "\(synced)")
        #expect(try node.pending() == 0)
        #expect(try node.run("orders", "show", numbers[0], "--json").object()["notes"] as? String == "pending note")
    }

    @Test func aShopTokenLearnsNothingOfAnotherShopThroughTheChecksumEndpoints() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let s01 = try cluster.addWorkstation("W1", shop: "S01")
        let s02 = try cluster.addWorkstation("W2", shop: "S02")
        let numbersOfS01 = try s01.createOrders(SampleOrders.orders(6, tag: "S01"))
        let numbersOfS02 = try s02.createOrders(SampleOrders.orders(2, tag: "S02"))
        try s01.run("sync", "now")
        try s02.run("sync", "now")
        let idsOfS01 = Set(try numbersOfS01.map { try Replica.orderID(s01, $0) })
        let idsOfS02 = Set(try numbersOfS02.map { try Replica.orderID(s02, $0) })

        func json(_ path: String, _ token: String) throws -> [String: Any] {
            let data = try #require(try cluster.centralGET(path, token: token), "GET \(path) failed")
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let ofS02 = try #require(try json("/v1/checksums", s02.token)["buckets"] as? [[String: Any]])
        #expect(ofS02.compactMap { $0["orders"] as? Int }.reduce(0, +) == idsOfS02.count)
        let bucketsOfS02 = Set(ofS02.compactMap { $0["bucket"] as? Int })
        let ofS01 = try #require(try json("/v1/checksums", s01.token)["buckets"] as? [[String: Any]])
        #expect(ofS01.compactMap { $0["orders"] as? Int }.reduce(0, +) == idsOfS01.count)
        // Every bucket holding an S01 order, asked for with S02's token: only S02's orders, if any.
        for bucket in ofS01.compactMap({ $0["bucket"] as? Int }) {
            let answer = try json("/v1/buckets/\(bucket)", s02.token)
            let orders = try #require(answer["orders"] as? [[String: Any]])
            let ids = Set(orders.compactMap { $0["order_id"] as? String })
            #expect(ids.isDisjoint(with: idsOfS01), "bucket \(bucket) shows S01 orders to S02")
            #expect(ids.isSubset(of: idsOfS02))
            #expect(ids.isEmpty == !bucketsOfS02.contains(bucket))
            #expect(
                !String(
                    decoding: try #require(try cluster.centralGET("/v1/buckets/\(bucket)", token: s02.token)),
                    as: UTF8.self
                ).contains("Customer S01"))
        }
        // A range of buckets: only those.
        let firstHalf = try #require(
            try json("/v1/checksums?first=0&last=511", s01.token)["buckets"] as? [[String: Any]])
        #expect(firstHalf.compactMap { $0["bucket"] as? Int }.allSatisfy { $0 <= 511 })
        #expect(firstHalf.count == ofS01.filter { ($0["bucket"] as? Int ?? 0) <= 511 }.count)
        // No token, or a bucket out of range: refused.
        #expect(try cluster.centralGET("/v1/checksums") == nil)
        #expect(try cluster.centralGET("/v1/buckets/1024", token: s02.token) == nil)
    }

    @Test func theDaemonVerifiesAfterCatchingUpAndCountsTheRepairOnItsMetrics() throws {
        let cluster = try SyncCluster()
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let w1 = try cluster.addWorkstation("W1")
        let w2 = try cluster.addWorkstation("W2")
        let numbers = try w1.createOrders(SampleOrders.orders(2, tag: "S01"))
        for node in [w1, w2] { try cluster.startDaemon(node, extraArguments: ["--verify-interval", "1"]) }
        try cluster.waitForConvergence(expected: Set(numbers))
        let orderID = try Replica.orderID(w2, numbers[0])
        try Replica.sql(w2, "UPDATE orders SET customer_name = 'x' WHERE id = '\(orderID)'")
        usleep(1_100_000) // the verify interval
        // An edit elsewhere: W2 pulls it, is caught up, and verifies a round (a sixteenth of the
        // buckets a second, after the round under way if one is), repairing the renamed order's bucket.
        try w1.run("orders", "update", numbers[1], "--notes", "wakes W2")
        try cluster.waitUntil("W2 repaired the renamed order", timeout: 90) {
            let name = try w2.run("orders", "show", numbers[0], "--json").object()["customer_name"] as? String
            return name == "Customer S01 0" ? nil : "customer_name \(name ?? "?"); W2 \(try w2.syncStatus())"
        }
        let daemon = try #require(w2.daemon)
        try cluster.waitUntil("W2's /metrics counts the repair") {
            let metrics = try Replica.get(daemon.url + "/metrics")
            return metrics.contains("kct_sync_verify_repaired_buckets_total 1") ? nil : metrics
        }
        let verify = try #require(try w2.syncStatus()["verify"] as? [String: Any])
        #expect(verify["repaired_total"] as? Int == 1)
        #expect(verify["buckets_checked"] as? Int == 64)
        // The local API's GET /api/sync says the same.
        let session = try SmallDisk.command(
            "/usr/bin/curl", "-sS", "--max-time", "10", "-X", "POST", daemon.url + "/api/session", "-d",
            #"{"email": "\#(w2.staffEmail)", "password": "a long enough password"}"#)
        let token = try #require(
            (try JSONSerialization.jsonObject(with: Data(session.output.utf8)) as? [String: Any])?["token"] as? String,
            "\(session.output)")
        let sync = try SmallDisk.command(
            "/usr/bin/curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer \(token)", daemon.url + "/api/sync"
        )
        let status = try #require(try JSONSerialization.jsonObject(with: Data(sync.output.utf8)) as? [String: Any])
        #expect((status["verify"] as? [String: Any])?["repaired_total"] as? Int == 1, "\(status)")
    }
}

/// Reaching a workstation's replica behind kct's back.
enum Replica {
    /// Runs `sql` on the node's replica with the sqlite3 CLI; what it printed, trimmed.
    @discardableResult
    static func sql(_ node: SyncCluster.Node, _ sql: String) throws -> String {
        let result = try SmallDisk.command("/usr/bin/sqlite3", node.kct.dataDir + "/replica.sqlite", sql)
        guard result.status == 0 else { throw Failure("sqlite3 \(sql): \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func orderID(_ node: SyncCluster.Node, _ number: String) throws -> String {
        try #require(try node.run("orders", "show", number, "--json").object()["id"] as? String)
    }

    /// `GET url` with curl; the body (empty on failure).
    static func get(_ url: String) throws -> String {
        let result = try SmallDisk.command("/usr/bin/curl", "-sS", "--max-time", "10", url)
        return result.output
    }
}
