import ArgumentParser
import JSONViews

struct ReportOrders: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "One row per order with a move in the period (the seed's processing_analytics).",
        discussion: """
            Columns: order_id, order_number, status, payment_to_processing_minutes, \\
            processing_to_production_minutes, production_to_quality_minutes, quality_to_shipping_minutes, \\
            total_fulfillment_minutes (payment confirmed → shipped), processing_efficiency_score (0–100), \\
            bottleneck_stage, needed_by, ready_at (first shipped, UTC), ready_on_time (true/false).
            """)

    @OptionGroup var period: ReportPeriod

    func run() throws {
        let rows = try period.analytics(includeOrders: true).orders.map { order in
            let values = OrderAnalyticsJSON(order).values
            return OrderAnalyticsJSON.columns.map { column -> String in
                switch values[column] ?? nil {
                case nil: ""
                case let value?: "\(value)"
                }
            }
        }
        CSV.write(OrderAnalyticsJSON.columns, rows)
    }
}
