import ArgumentParser
import Foundation

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kct-bench",
        abstract: "Measures kct's hot paths beside a baseline measured in the same run.")

    /// Every suite, in the order `kct-bench` with no names runs them.
    static let suites: [any BenchSuite] = [
        LocalEditsSuite(), HTTPSuite(), PullMergeSuite(), SyncSuite(), LargeReplicaSuite(), EffectsSuite(),
        BootstrapSuite(), PostgresSuite(), IdleDaemonSuite(),
    ]

    @Argument(help: "Suites to run (default: all). See --list.")
    var names: [String] = []

    @Flag(help: "Print one JSON object with every figure and its baseline.")
    var json = false

    @Flag(help: "List the suites and exit.")
    var list = false

    @Option(help: "Scale factor for operation counts (e.g. 0.1 for a quick smoke run).")
    var scale: Double = 1

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repetitions: Int = 5

    func validate() throws {
        let known = Set(Self.suites.map(\.name))
        for name in names where !known.contains(name) {
            throw ValidationError("unknown suite '\(name)'; known: \(known.sorted().joined(separator: ", "))")
        }
        guard scale > 0 else { throw ValidationError("--scale must be positive") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() async throws {
        if list {
            for suite in Self.suites { print("\(suite.name)\t\(suite.summary)") }
            return
        }
        let chosen = names.isEmpty ? Self.suites : Self.suites.filter { names.contains($0.name) }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("kct-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let options = BenchOptions(workDirectory: work.path, scale: scale, repetitions: repetitions)

        var reports: [SuiteReport] = []
        for suite in chosen {
            if !json { print("== \(suite.name): \(suite.summary)") }
            let report = try await suite.run(options)
            if !json { print(BenchTable.render(report)) }
            reports.append(report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let document = BenchDocument(scale: scale, repetitions: repetitions, suites: reports)
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        }
    }
}

/// The `--json` output.
struct BenchDocument: Codable {
    var scale: Double
    var repetitions: Int
    var suites: [SuiteReport]
}

enum BenchTable {
    static func render(_ report: SuiteReport) -> String {
        var rows = [["figure", "value", "unit", "baseline", "ratio", "target"]]
        for figure in report.figures {
            rows.append([
                figure.name,
                format(figure.value),
                figure.unit,
                figure.baseline.map { "\($0): \(format(figure.baselineValue ?? 0))" } ?? "",
                figure.ratio.map { String(format: "%.2f×", $0) } ?? "",
                figure.target ?? "",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        lines.append(contentsOf: report.notes.map { "note: \($0)" })
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.3f", value)
    }
}
