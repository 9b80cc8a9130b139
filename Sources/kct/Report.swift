import ArgumentParser
import Foundation
import OrderDomain
import Store

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Processing analytics as CSV for spreadsheets (the figures of `kct stats --analytics`).",
        discussion: """
            CSV on standard output (RFC 4180: comma-separated, a header row, quotes where needed, \\
            empty cells for no value, minutes as whole numbers). One report per subcommand: \\
            orders (one row per order), stages (median and 90th percentile per stage), staff \\
            (forward moves per person), days (moves and orders shipped per day).
            """,
        subcommands: [ReportOrders.self, ReportStages.self, ReportStaff.self, ReportDays.self])
}

/// The options every report takes: the data directory and the period.
struct ReportPeriod: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp("Only stages and moves from this UTC day on (YYYY-MM-DD); default: all.", valueName: "date"),
        transform: ReportPeriod.parse)
    var since: CalendarDate?

    static func parse(_ text: String) throws -> CalendarDate {
        do { return try CalendarDate(parsing: text) } catch { throw ValidationError(error.description) }
    }

    func validate() throws {
        if global.json { throw ValidationError("reports are CSV; `kct stats --analytics --json` prints JSON") }
    }

    func analytics(includeOrders: Bool = false) throws -> PeriodAnalytics {
        try global.openStore().analytics(since: since, includeOrders: includeOrders)
    }
}

/// RFC 4180 CSV: a header and rows, fields quoted when they hold a comma, quote or line break.
enum CSV {
    static func write(_ header: [String], _ rows: [[String]]) {
        var text = line(header)
        for row in rows { text += line(row) }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func cell(_ value: Int?) -> String { value.map(String.init) ?? "" }
}
