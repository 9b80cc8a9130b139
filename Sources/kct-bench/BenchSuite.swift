/// One named group of measurements. Each suite lives in its own `Suite+Name.swift` file and is
/// listed once in `BenchCommand.suites`.
protocol BenchSuite: Sendable {
    /// The name chosen on the command line (`kct-bench local-edits`).
    var name: String { get }
    /// One line for `--list`.
    var summary: String { get }
    func run(_ options: BenchOptions) async throws -> SuiteReport
}

/// Settings every suite may read.
struct BenchOptions: Sendable {
    /// Directory for scratch databases and files; removed by the runner afterwards.
    var workDirectory: String
    /// Scale factor for operation counts (1 = default figures; smaller for smoke runs).
    var scale: Double
    /// How many times each measurement is repeated; suites report the median.
    var repetitions: Int

    func count(_ base: Int) -> Int { max(1, Int((Double(base) * scale).rounded())) }
}

/// The figures of one suite.
struct SuiteReport: Codable, Sendable {
    var suite: String
    var figures: [Figure]
    /// Anything a reader must know to interpret the figures (skipped parts, missing tools).
    var notes: [String] = []
}

/// One measured figure, with the baseline it is compared against when there is one.
struct Figure: Codable, Sendable {
    var name: String
    var value: Double
    var unit: String
    /// Name of the baseline measured in the same run ("raw SQLite inserts", "nginx").
    var baseline: String?
    var baselineValue: Double?
    /// The project's target for this figure, as text ("p99 < 1 ms", "≥ 0.5× baseline").
    var target: String?

    /// value / baselineValue, when a baseline exists.
    var ratio: Double? {
        guard let baselineValue, baselineValue != 0 else { return nil }
        return value / baselineValue
    }

    enum CodingKeys: String, CodingKey {
        case name, value, unit, baseline, baselineValue = "baseline_value", target, ratio
    }

    init(
        name: String, value: Double, unit: String, baseline: String? = nil, baselineValue: Double? = nil,
        target: String? = nil
    ) {
        self.name = name
        self.value = value
        self.unit = unit
        self.baseline = baseline
        self.baselineValue = baselineValue
        self.target = target
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        value = try container.decode(Double.self, forKey: .value)
        unit = try container.decode(String.self, forKey: .unit)
        baseline = try container.decodeIfPresent(String.self, forKey: .baseline)
        baselineValue = try container.decodeIfPresent(Double.self, forKey: .baselineValue)
        target = try container.decodeIfPresent(String.self, forKey: .target)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(value, forKey: .value)
        try container.encode(unit, forKey: .unit)
        try container.encodeIfPresent(baseline, forKey: .baseline)
        try container.encodeIfPresent(baselineValue, forKey: .baselineValue)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encodeIfPresent(ratio, forKey: .ratio)
    }
}
