import ArgumentParser

struct ReportDays: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "days",
        abstract: "Throughput per UTC day: forward moves made and orders shipped.",
        discussion: "Columns: day (YYYY-MM-DD), moves, orders_shipped. Oldest first; days without moves are left out.")

    @OptionGroup var period: ReportPeriod

    func run() throws {
        CSV.write(
            ["day", "moves", "orders_shipped"],
            try period.analytics().days.map { [$0.day.description, String($0.moves), String($0.ordersShipped)] })
    }
}
