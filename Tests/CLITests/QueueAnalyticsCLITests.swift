import Foundation
import TestSupport
import Testing

/// `kct queue claim|release`, `kct stats --analytics` and `kct report` through the binary.
@Suite struct QueueAnalyticsCLITests {
    let kct = KCTProcess()

    init() throws {
        let created = try kct.run("init", "--name", "W1", "--shop", "S01")
        try #require(created.status == 0, "init failed: \(created.stderr)")
        try kct.signInAdmin()
    }

    /// An order moved to in_production; its number.
    func orderInProduction() throws -> String {
        let created = try kct.run(
            "orders", "create", "--customer", "Jane Doe", "--email", "jane@example.com", "--item",
            "name=Navy Suit,price=899.00", "--needed-by", "2020-01-01", "--json")
        try #require(created.status == 0, "\(created.stderr)")
        let number = try #require(try created.object()["order_number"] as? String)
        for status in ["payment_confirmed", "processing", "in_production"] {
            let moved = try kct.run("orders", "status", number, status)
            try #require(moved.status == 0, "\(moved.stderr)")
        }
        return number
    }

    @Test func claimShowsOnTheQueueAndIsReleased() throws {
        defer { kct.cleanUp() }
        let number = try orderInProduction()
        let claimed = try kct.run("queue", "claim", number, "--json")
        #expect(claimed.status == 0, "\(claimed.stderr)")
        #expect(try claimed.object()["by"] as? String == KCTProcess.admin)
        #expect(try claimed.object()["stage"] as? String == "in_production")

        let table = try kct.run("queue")
        #expect(table.stdout.contains("CLAIMED BY"))
        #expect(table.stdout.contains(KCTProcess.admin))
        let rows = try kct.run("queue", "--json", "--status", "in_production").array()
        #expect((rows.first?["claim"] as? [String: Any])?["by"] as? String == KCTProcess.admin)
        #expect((rows.first?["score_parts"] as? [String: Int])?["needed_by"] == 700)
        #expect(try kct.run("queue", "--json", "--priority", "rush").array().isEmpty)

        let again = try kct.run("queue", "claim", number)
        #expect(again.status == 1)
        #expect(again.stderr.contains("you already hold this order's claim"))
        let released = try kct.run("queue", "release", number)
        #expect(released.status == 0, "\(released.stderr)")
        #expect(released.stdout.contains("released \(KCTProcess.admin)'s claim on \(number)"))
        #expect(try kct.run("queue", "release", number).stderr.contains("the order is not claimed"))
        #expect(try kct.run("queue", "--status", "lost").status == 64)
    }

    @Test func analyticsAndCSVReports() throws {
        defer { kct.cleanUp() }
        let number = try orderInProduction()
        let json = try kct.run("stats", "--analytics", "--json").object()
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(
            stages.map { $0["stage"] as? String } == [
                "payment_to_processing", "processing_to_production", "production_to_quality", "quality_to_shipping",
            ])
        #expect(stages[0]["count"] as? Int == 1)
        #expect((json["sla"] as? [String: Any])?["overdue_open_orders"] as? [String] == [number])
        #expect((json["sla"] as? [String: Any])?["overdue_open"] as? Int == 1)
        #expect(json["orders"] == nil)
        // The list cut to a limit; the count is still of every overdue order.
        let none = try kct.run("stats", "--analytics", "--json", "--overdue-limit", "0").object()
        #expect((none["sla"] as? [String: Any])?["overdue_open_orders"] as? [String] == [])
        #expect((none["sla"] as? [String: Any])?["overdue_open"] as? Int == 1)
        #expect(try kct.run("stats", "--analytics", "--overdue-limit", "-1").status == 64)
        #expect(try kct.run("stats", "--overdue-limit", "3").status == 64)
        let rows = try #require(try kct.run("stats", "--analytics", "--json", "--orders").object()["orders"] as? [Any])
        #expect(rows.count == 1)
        #expect(try kct.run("stats", "--analytics", "--orders").status == 64)
        let table = try kct.run("stats", "--analytics")
        #expect(table.status == 0)
        #expect(table.stdout.contains("payment_to_processing"))
        #expect(table.stdout.contains("overdue open orders: 1 (\(number))"))

        let orders = try kct.run("report", "orders")
        #expect(orders.status == 0, "\(orders.stderr)")
        let lines = orders.stdout.split(separator: "\r\n").map(String.init)
        #expect(lines.first?.hasPrefix("order_id,order_number,status,payment_to_processing_minutes,") == true)
        #expect(lines.count == 2)
        #expect(
            lines.last?.contains(",\(number),in_production,0,0,,,,100.0,payment_to_processing,2020-01-01,,") == true)
        let stagesCSV = try kct.run("report", "stages").stdout.split(separator: "\r\n")
        #expect(stagesCSV.first == "stage,orders,median_minutes,p90_minutes,target_minutes,bottleneck")
        #expect(stagesCSV.count == 5)
        #expect(try kct.run("report", "staff").stdout.contains("\(KCTProcess.admin),2"))
        #expect(try kct.run("report", "days").stdout.hasPrefix("day,moves,orders_shipped\r\n"))

        // Bad input: a usage error, nothing printed on stdout.
        let badDate = try kct.run("report", "orders", "--since", "yesterday")
        #expect(badDate.status == 64)
        #expect(badDate.stdout.isEmpty)
        #expect(try kct.run("stats", "--since", "2026-01-01").status == 64)
        #expect(try kct.run("report", "stages", "--json").status == 64)
        // A later --since leaves the order out.
        #expect(try kct.run("report", "orders", "--since", "2999-01-01").stdout.split(separator: "\r\n").count == 1)
    }
}
