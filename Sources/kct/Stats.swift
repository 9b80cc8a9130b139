import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dashboard figures: orders by stage, revenue, average order value, rush orders.",
        discussion: "Definitions: protocol/ORDER-LIFECYCLE.md. Revenue counts paid orders, per currency.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let stats = try global.openStore().stats()
        if global.json {
            try Output.json(StatsJSON(stats))
            return
        }
        var rows = [
            ["total orders", String(stats.totalOrders)],
            ["pending", String(stats.pendingOrders)],
            ["processing", String(stats.processingOrders)],
            ["shipped", String(stats.shippedOrders)],
            ["completed", String(stats.completedOrders)],
            ["rush (open)", String(stats.rushOrders)],
        ]
        for revenue in stats.revenue {
            rows.append([
                "revenue \(revenue.currency.code)",
                "\(revenue.totalRevenue.decimalString) (\(revenue.paidOrders) paid orders)",
            ])
            rows.append(["average order \(revenue.currency.code)", revenue.averageOrderValue.decimalString])
        }
        if stats.revenue.isEmpty { rows.append(["revenue", "0 (no paid orders)"]) }
        print(Output.table(["FIGURE", "VALUE"], rows))
    }
}
