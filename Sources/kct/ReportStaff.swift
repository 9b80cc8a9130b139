import ArgumentParser

struct ReportStaff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Throughput per member of staff: forward moves (processing … completed) made in the period.",
        discussion: "Columns: person (account e-mail), moves. Most moves first.")

    @OptionGroup var period: ReportPeriod

    func run() throws {
        CSV.write(["person", "moves"], try period.analytics().staff.map { [$0.person, String($0.moves)] })
    }
}
