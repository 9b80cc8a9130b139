import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dashboard figures: orders by stage, revenue, average order value, rush orders.",
        discussion: """
            Definitions: protocol/ORDER-LIFECYCLE.md. Revenue counts paid orders, per currency. \
            --analytics: minutes between payment, processing, production, quality check and shipping \
            (median and 90th percentile per stage, bottleneck, SLA, throughput); definitions in README \
            (Processing analytics). `kct report` writes the same as CSV.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Processing analytics from status history instead of the dashboard figures.") var analytics = false
    @Option(
        help: ArgumentHelp(
            "With --analytics: only stages and moves from this UTC day on (YYYY-MM-DD).", valueName: "date"),
        transform: ReportPeriod.parse)
    var since: CalendarDate?
    @Flag(help: "With --analytics --json: also one row per order (as `kct report orders`).") var orders = false
    @Option(
        help: ArgumentHelp(
            "With --analytics: list at most this many overdue open orders, most overdue first (the count is of all; "
                + "default \(PeriodAnalytics.ServiceLevel.overdueListLimit)).", valueName: "n"))
    var overdueLimit: Int?

    func validate() throws {
        if since != nil, !analytics { throw ValidationError("--since goes with --analytics") }
        if orders, !(analytics && global.json) { throw ValidationError("--orders goes with --analytics --json") }
        if let overdueLimit {
            if !analytics { throw ValidationError("--overdue-limit goes with --analytics") }
            if overdueLimit < 0 { throw ValidationError("--overdue-limit must be 0 or more") }
        }
    }

    func run() throws {
        if analytics {
            try printAnalytics(
                try global.openStore().analytics(
                    since: since, includeOrders: orders,
                    overdueLimit: overdueLimit ?? PeriodAnalytics.ServiceLevel.overdueListLimit))
            return
        }
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

    func printAnalytics(_ analytics: PeriodAnalytics) throws {
        if global.json {
            try Output.json(AnalyticsJSON(analytics, includeOrders: orders))
            return
        }
        func minutes(_ value: Int?) -> String { value.map { Output.duration(Int64($0) * 60) } ?? "-" }
        print(
            Output.table(
                ["STAGE", "ORDERS", "MEDIAN", "P90", "TARGET"],
                analytics.stages.map { summary in
                    [
                        summary.stage.rawValue + (summary.stage == analytics.bottleneck ? " (bottleneck)" : ""),
                        String(summary.count), minutes(summary.medianMinutes), minutes(summary.p90Minutes),
                        minutes(summary.stage.targetMinutes),
                    ]
                }))
        let level = analytics.serviceLevel
        print("")
        print(
            "SLA: \(level.onTime) of \(level.due) orders due were ready by their needed-by date"
                + (level.compliancePercent.map { " (\($0)%)" } ?? ""))
        print(
            "overdue open orders: \(level.overdueOpenCount)"
                + (level.overdueOpen.isEmpty ? "" : " (\(level.overdueOpen.prefix(10).joined(separator: ", ")))"))
        if !analytics.staff.isEmpty {
            print("")
            print(Output.table(["STAFF", "MOVES"], analytics.staff.map { [$0.person, String($0.moves)] }))
        }
        if !analytics.days.isEmpty {
            print("")
            print(
                Output.table(
                    ["DAY", "MOVES", "SHIPPED"],
                    analytics.days.map { [$0.day.description, String($0.moves), String($0.ordersShipped)] }))
        }
    }
}
