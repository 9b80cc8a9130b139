import ArgumentParser

struct ReportStages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "One row per stage: stages that ended in the period, their median and 90th percentile.",
        discussion: """
            Columns: stage, orders, median_minutes, p90_minutes, target_minutes, bottleneck (true for \\
            the stage whose median is furthest over its target).
            """)

    @OptionGroup var period: ReportPeriod

    func run() throws {
        let analytics = try period.analytics()
        CSV.write(
            ["stage", "orders", "median_minutes", "p90_minutes", "target_minutes", "bottleneck"],
            analytics.stages.map { summary in
                [
                    summary.stage.rawValue, String(summary.count), CSV.cell(summary.medianMinutes),
                    CSV.cell(summary.p90Minutes), String(summary.stage.targetMinutes),
                    String(summary.stage == analytics.bottleneck),
                ]
            })
    }
}
