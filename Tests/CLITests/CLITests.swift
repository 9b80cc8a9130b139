import Foundation
import TestSupport
import Testing

/// The CLI through the built binary: help, JSON shapes, error lines and exit codes.
@Suite struct CLITests {
    let kct = KCTProcess()

    init() throws {
        let created = try kct.run("init", "--name", "W1", "--shop", "S01")
        try #require(created.status == 0, "init failed: \(created.stderr)")
        try kct.signInAdmin()
    }

    func createSuit(_ extra: [String] = []) throws -> [String: Any] {
        let result = try kct.run(
            [
                "orders", "create", "--json", "--customer", "Jane Doe", "--email", "jane@example.com", "--phone",
                "+1 555 010 0100",
                "--item", "name=Navy Suit,qty=1,price=899.00,size=40R,color=navy", "--item",
                "name=Silk Tie,qty=2,price=75.00",
                "--tax", "84.50", "--shipping", "15",
            ] + extra)
        try #require(result.status == 0, "create failed: \(result.stderr)")
        return try result.object()
    }

    func pendingChanges() throws -> Int {
        try #require(try kct.run("outbox", "--json").object()["pending_count"] as? Int)
    }

    /// A refusal is exactly one line on stderr, nothing on stdout, and the given exit code.
    func expectRefusal(
        _ result: KCTProcess.Result, code: Int32, mentioning words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == code, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.stderr.contains(word), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func helpListsTheCommands() throws {
        defer { kct.cleanUp() }
        let help = try kct.run("--help")
        #expect(help.status == 0)
        for command in ["init", "orders", "exceptions", "queue", "stats", "outbox"] {
            #expect(help.stdout.contains(command))
        }
        let create = try kct.run("orders", "create", "--help")
        #expect(create.status == 0)
        for option in ["--item", "--from-json", "--needed-by", "--data-dir", "--json"] {
            #expect(create.stdout.contains(option))
        }
    }

    @Test func initPrintsTheNodeIDAndRefusesASecondTime() throws {
        defer { kct.cleanUp() }
        let again = try kct.run("init", "--name", "W2", "--shop", "S02")
        expectRefusal(again, code: 4, mentioning: ["already exists", "nothing changed"])
        let other = KCTProcess()
        defer { other.cleanUp() }
        let fresh = try other.run("init", "--name", "W2", "--shop", "S01")
        #expect(fresh.status == 0)
        #expect(UUID(uuidString: fresh.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil)
        expectRefusal(
            try other.run("init", "--name", "toolong", "--shop", "S01"), code: 4, mentioning: ["already exists"])
        let third = KCTProcess()
        defer { third.cleanUp() }
        expectRefusal(
            try third.run("init", "--name", "toolong", "--shop", "S01"), code: 1,
            mentioning: ["workstation name 'toolong'"])
    }

    @Test func orderJSONHasTheSchemaNamesAndDecimalMoney() throws {
        defer { kct.cleanUp() }
        let order = try createSuit()
        for key in [
            "id", "order_number", "status", "priority", "subtotal_amount", "tax_amount", "shipping_amount",
            "total_amount",
            "currency", "items", "status_history", "customer_name", "customer_email", "customer_phone", "needed_by",
            "exceptions",
        ] {
            #expect(order.keys.contains(key), "missing \(key)")
        }
        #expect(order["order_number"] as? String == "S01-W1-000001")
        #expect(order["status"] as? String == "pending_payment")
        #expect(order["subtotal_amount"] as? String == "1049.00")
        #expect(order["total_amount"] as? String == "1148.50")
        #expect(order["currency"] as? String == "USD")
        let items = try #require(order["items"] as? [[String: Any]])
        #expect(items.map { $0["total_price"] as? String } == ["899.00", "150.00"])
        #expect(items.first?["size"] as? String == "40R")
        let history = try #require(order["status_history"] as? [[String: Any]])
        #expect(history.first?["to_status"] as? String == "pending_payment")
        #expect(history.first?["changed_by"] as? String == "tester@kct.example")

        let shown = try kct.run("orders", "show", "s01-w1-000001", "--json").object()
        #expect(shown["id"] as? String == order["id"] as? String)
        let human = try kct.run("orders", "show", "S01-W1-000001")
        #expect(human.status == 0 && human.stdout.contains("Navy Suit") && human.stdout.contains("1148.50 USD"))
    }

    @Test func lifecycleThroughTheCLIRecordsWhoMovedIt() throws {
        defer { kct.cleanUp() }
        _ = try createSuit()
        #expect(try kct.run(["orders", "status", "S01-W1-000001", "payment_confirmed"]).status == 0)
        try kct.addAccount("ben@kct.example", role: "processor")
        try kct.signIn("ben@kct.example")
        for status in [
            "processing", "in_production", "quality_check", "in_production", "quality_check",
            "packaging", "on_hold", "packaging", "shipped",
        ] {
            let moved = try kct.run(["orders", "status", "S01-W1-000001", status, "--note", "step"])
            #expect(moved.status == 0, "\(status): \(moved.stderr)")
        }
        let order = try kct.run("orders", "show", "S01-W1-000001", "--json").object()
        #expect(order["status"] as? String == "shipped")
        let history = try #require(order["status_history"] as? [[String: Any]])
        #expect(history.count == 11)
        #expect(history.last?["changed_by"] as? String == "ben@kct.example")
        #expect(history[1]["changed_by"] as? String == "tester@kct.example")
        #expect(history.last?["from_status"] as? String == "packaging")

        let before = try pendingChanges()
        expectRefusal(
            try kct.run("orders", "status", "S01-W1-000001", "cancelled"), code: 1,
            mentioning: ["cannot move from shipped to cancelled", "out_for_delivery", "refunded"])
        expectRefusal(
            try kct.run("orders", "status", "S01-W1-000001", "teleported"), code: 64,
            mentioning: ["teleported", "pending_payment"])
        #expect(try pendingChanges() == before)
    }

    @Test func badInputIsOneLineAndChangesNothing() throws {
        defer { kct.cleanUp() }
        _ = try createSuit()
        let before = try pendingChanges()
        expectRefusal(
            try kct.run(
                "orders", "create", "--customer", "A", "--email", "a@example.com", "--item", "name=Tie,price=8.999"),
            code: 1, mentioning: ["8.999", "USD"])
        expectRefusal(
            try kct.run(
                "orders", "create", "--customer", "A", "--email", "a@example.com", "--item", "name=Tie,price=-3"),
            code: 1, mentioning: ["negative"])
        expectRefusal(
            try kct.run("orders", "create", "--customer", "A", "--email", "not-mail", "--item", "name=Tie,price=3"),
            code: 1, mentioning: ["not-mail", "e-mail"])
        expectRefusal(
            try kct.run("orders", "create", "--customer", "A", "--email", "a@example.com", "--item", "name=Tie,cost=3"),
            code: 1, mentioning: ["unknown key 'cost'"])
        expectRefusal(
            try kct.run("orders", "status", "S01-W1-000042", "cancelled"), code: 2, mentioning: ["S01-W1-000042"])
        expectRefusal(
            try kct.run("orders", "item", "remove", "S01-W1-000001", "9"), code: 2, mentioning: ["no item '9'"])
        expectRefusal(
            try kct.run("orders", "create", "--from-json", "/nonexistent/orders.json"), code: 1,
            mentioning: ["cannot read"])
        expectRefusal(
            try kct.run("orders", "create", "--from-json", "-", stdin: "{not json"), code: 1, mentioning: ["not JSON"])
        // A value of the wrong JSON type is refused naming its field, never dropped.
        for (field, item) in [
            ("size", #"{"product_name": "Tie", "unit_price": "40.00", "size": 40}"#),
            ("quantity", #"{"product_name": "Tie", "unit_price": "40.00", "quantity": true}"#),
            ("product_source", #"{"product_name": "Tie", "unit_price": "40.00", "product_source": 1}"#),
        ] {
            let order = #"{"customer_name": "A", "customer_email": "a@example.com", "items": [\#(item)]}"#
            expectRefusal(
                try kct.run("orders", "create", "--from-json", "-", stdin: order), code: 1,
                mentioning: ["-.items[0]: \(field)"])
        }
        expectRefusal(
            try kct.run(
                "orders", "create", "--from-json", "-",
                stdin: #"{"customer_name": "A", "customer_name": "B", "customer_email": "a@example.com","#
                    + #" "items": []}"#),
            code: 1, mentioning: ["not JSON", "duplicate"])
        // An array with one bad order saves none of them.
        let batch = """
            [{"customer_name": "Ok", "customer_email": "ok@example.com", "items": [{"product_name": "Tie", \
            "unit_price": "40.00"}]},
             {"customer_name": "Bad", "customer_email": "bad@", "items": [{"product_name": "Tie", "unit_price": \
             "40.00"}]}]
            """
        expectRefusal(
            try kct.run("orders", "create", "--from-json", "-", stdin: batch), code: 1, mentioning: ["order 2", "bad@"])
        #expect(try pendingChanges() == before)
        #expect(try kct.run("orders", "list", "--json").array().count == 1)
    }

    @Test func missingReplicaIsExplained() throws {
        let empty = KCTProcess()
        defer {
            empty.cleanUp()
            kct.cleanUp()
        }
        let result = try empty.run("orders", "list")
        expectRefusal(result, code: 3, mentioning: ["no replica", "kct init"])
        #expect(!FileManager.default.fileExists(atPath: empty.dataDir + "/replica.sqlite"))
    }

    @Test func listSearchQueueStatsAndOutbox() throws {
        defer { kct.cleanUp() }
        _ = try createSuit(["--priority", "rush"])
        let json = """
            {"customer_name": "Kenji Sato", "customer_email": "kenji@example.jp", "currency": "JPY", "priority": \
            "wedding_party",
             "needed_by": "2030-06-01", "shipping_address": {"city": "Osaka"},
             "items": [{"product_name": "Hakama", "quantity": 2, "unit_price": "45000", "custom_measurements": \
             {"waist": 80}}]}
            """
        let created = try kct.run(["orders", "create", "--from-json", "-", "--json"], stdin: json)
        #expect(created.status == 0, "\(created.stderr)")
        let kenji = try #require(try created.array().first)
        #expect(kenji["total_amount"] as? String == "90000")
        #expect((kenji["shipping_address"] as? [String: Any])?["city"] as? String == "Osaka")
        expectRefusal(
            try kct.run("orders", "item", "add", "S01-W1-000002", "name=Obi,price=10.5"), code: 1, mentioning: ["JPY"])

        let found = try kct.run("orders", "list", "--search", "sato", "--json").array()
        #expect(found.map { $0["order_number"] as? String } == ["S01-W1-000002"])
        #expect(
            try kct.run("orders", "list", "--priority", "rush", "--priority", "urgent", "--json").array().count == 1)
        #expect(try kct.run("orders", "list", "--status", "shipped", "--json").array().isEmpty)

        let queue = try kct.run("queue", "--json").array()
        #expect(queue.map { $0["order_number"] as? String } == ["S01-W1-000001", "S01-W1-000002"])
        #expect(queue.first?["priority_score"] as? Int == 600)

        _ = try kct.run("orders", "status", "S01-W1-000001", "payment_confirmed")
        let stats = try kct.run("stats", "--json").object()
        #expect(stats["total_orders"] as? Int == 2)
        #expect(stats["rush_orders"] as? Int == 1)
        let revenue = try #require(stats["revenue"] as? [[String: Any]])
        #expect(revenue.map { $0["currency"] as? String } == ["USD"])
        #expect(revenue.first?["total_revenue"] as? String == "1148.50")

        let outbox = try kct.run("outbox", "--json").object()
        // 4 changes per suit order (order, 2 items, history), 3 for the JPY one, 2 per status move.
        #expect(outbox["pending_count"] as? Int == 9)
        let entries = try #require(outbox["entries"] as? [[String: Any]])
        #expect(entries.map { $0["sequence"] as? Int } == Array(1...9))
        #expect(entries.last?["op"] as? String == "append")
        #expect(entries[entries.count - 2]["op"] as? String == "set_status")
    }

    /// `orders list` prints the next page's `--after` cursor on stderr while more follow; a
    /// cursor of another list is a usage error.
    @Test func listPagesWithAfter() throws {
        defer { kct.cleanUp() }
        for _ in 0..<5 { _ = try createSuit() }
        var numbers: [String] = []
        var arguments = ["orders", "list", "--limit", "2", "--json"]
        while true {
            let page = try kct.run(arguments)
            #expect(page.status == 0, "\(page.stderr)")
            numbers += try page.array().compactMap { $0["order_number"] as? String }
            guard let range = page.stderr.range(of: "--after ") else { break }
            let cursor = page.stderr[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            arguments = ["orders", "list", "--limit", "2", "--json", "--after", cursor]
        }
        #expect(numbers == (1...5).reversed().map { String(format: "S01-W1-%06d", $0) })
        let cursor = try #require(try kct.run("orders", "list", "--limit", "1").stderr.split(separator: " ").last)
        expectRefusal(
            try kct.run(
                "orders", "list", "--search", "jane", "--after", String(cursor).trimmingCharacters(in: .newlines)),
            code: 64, mentioning: ["--after", "is not a cursor of this list"])
    }

    @Test func editsUpdateItemsExceptionsAndPriority() throws {
        defer { kct.cleanUp() }
        _ = try createSuit()
        #expect(
            try kct.run("orders", "item", "add", "S01-W1-000001", "name=Vest,price=120.00,measurements=chest:40").status
                == 0)
        #expect(try kct.run("orders", "item", "update", "S01-W1-000001", "2", "qty=3").status == 0)
        #expect(try kct.run("orders", "item", "remove", "S01-W1-000001", "1").status == 0)
        #expect(try kct.run("orders", "priority", "S01-W1-000001", "vip-customer").status == 0)
        #expect(
            try kct.run(
                "orders", "update", "S01-W1-000001", "--phone", "", "--needed-by", "2030-01-31", "--notes", "hem"
            ).status == 0)
        let opened = try kct.run(
            "exceptions", "open", "S01-W1-000001", "--type", "fabric damage", "--severity", "high", "--json"
        ).object()
        let exceptionID = try #require(opened["id"] as? String)
        let resolved = try kct.run(
            "exceptions", "resolve", String(exceptionID.prefix(8)), "--note", "recut", "--customer-notified", "--json"
        ).object()
        #expect(resolved["resolution_status"] as? String == "resolved")
        #expect(resolved["customer_notified"] as? Bool == true)
        expectRefusal(try kct.run("exceptions", "resolve", exceptionID), code: 1, mentioning: ["already resolved"])

        let order = try kct.run("orders", "show", "S01-W1-000001", "--json").object()
        #expect(order["priority"] as? String == "vip_customer")
        #expect(order["customer_phone"] is NSNull)
        #expect(order["needed_by"] as? String == "2030-01-31")
        #expect(order["subtotal_amount"] as? String == "345.00")
        let items = try #require(order["items"] as? [[String: Any]])
        #expect(items.map { $0["line_number"] as? Int } == [2, 3])
        #expect((items.last?["custom_measurements"] as? [String: Any])?["chest"] as? Int == 40)
    }
}
