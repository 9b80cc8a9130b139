import CSQLite
import Foundation
import OrderDomain
import Store
import SyncCore

/// Local edits through `OrderStore` (validation, rows, field stamps, outbox, clock — one durable
/// transaction each) beside raw SQLite inserts with the same durability (WAL, synchronous=FULL,
/// one transaction per insert) of rows of the same size, measured in the same run.
struct LocalEditsSuite: BenchSuite {
    let name = "local-edits"
    let summary = "create-order and change-status through the Store vs raw SQLite inserts, same durability"

    static let baseCount = 2_000
    static let warmUp = 50

    /// One repetition's figures.
    struct Run {
        var createRate: Double, createP50: Double, createP99: Double, createCPU: Double
        var statusRate: Double, statusP50: Double, statusP99: Double, statusCPU: Double
        var rawOrderRate: Double, rawOrderP50: Double, rawOrderP99: Double, rawOrderCPU: Double
        var rawHistoryRate: Double, rawHistoryP50: Double, rawHistoryP99: Double, rawHistoryCPU: Double
    }

    /// Edits per block; Store and raw blocks alternate so both see the same load on the shared
    /// machine.
    static let blockSize = 100

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let count = options.count(Self.baseCount)
        var runs: [Run] = []
        for repetition in 0..<options.repetitions {
            let directory = (options.workDirectory as NSString).appendingPathComponent("local-edits-\(repetition)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = try OrderStore.create(directory: directory + "/replica", name: "B1", shopCode: "BENCH")
            let rawOrders = try RawSQLiteBaseline(path: directory + "/raw-orders.sqlite", shape: .order)
            let rawHistory = try RawSQLiteBaseline(path: directory + "/raw-history.sqlite", shape: .history)
            let draft = Self.draft()
            for index in 0..<Self.warmUp {
                try store.createOrder(draft, by: benchActor)
                try rawOrders.insert(index: 1_000_000 + index)
                try rawHistory.insert(index: 1_000_000 + index)
            }
            var ids: [String] = []
            ids.reserveCapacity(count)
            var creates = Timer(), rawOrderInserts = Timer()
            for block in stride(from: 0, to: count, by: Self.blockSize) {
                let range = block..<min(count, block + Self.blockSize)
                // The Store checkpoints its WAL in the background when its writer pauses (here,
                // while the raw block runs): let that finish first so it does not slow the raw
                // inserts. Not timed, like the raw side's own checkpoint, which runs at close.
                store.waitForCheckpoints()
                try rawOrderInserts.measure(range) { index in try rawOrders.insert(index: index) }
                try creates.measure(range) { _ in ids.append(try store.createOrder(draft, by: benchActor).id) }
            }
            var statuses = Timer(), rawHistoryInserts = Timer()
            for block in stride(from: 0, to: count, by: Self.blockSize) {
                let range = block..<min(count, block + Self.blockSize)
                store.waitForCheckpoints()
                try rawHistoryInserts.measure(range) { index in try rawHistory.insert(index: index) }
                try statuses.measure(range) { index in
                    try store.changeStatus(ids[index], to: .paymentConfirmed, note: "paid by card", by: benchActor)
                }
            }
            runs.append(
                Run(
                    createRate: creates.rate, createP50: creates.p50, createP99: creates.p99,
                    createCPU: creates.cpuPerCall,
                    statusRate: statuses.rate, statusP50: statuses.p50, statusP99: statuses.p99,
                    statusCPU: statuses.cpuPerCall,
                    rawOrderRate: rawOrderInserts.rate, rawOrderP50: rawOrderInserts.p50,
                    rawOrderP99: rawOrderInserts.p99,
                    rawOrderCPU: rawOrderInserts.cpuPerCall,
                    rawHistoryRate: rawHistoryInserts.rate, rawHistoryP50: rawHistoryInserts.p50,
                    rawHistoryP99: rawHistoryInserts.p99,
                    rawHistoryCPU: rawHistoryInserts.cpuPerCall))
        }
        func median(_ value: (Run) -> Double) -> Double { Samples(runs.map(value)).median }
        let rawOrders = "raw SQLite insert, order-row size"
        let rawHistory = "raw SQLite insert, history-row size"
        return SuiteReport(
            suite: name,
            figures: [
                Figure(
                    name: "create-order rate", value: median(\.createRate), unit: "edits/s", baseline: rawOrders,
                    baselineValue: median(\.rawOrderRate), target: "≥ 0.5× baseline"),
                Figure(
                    name: "create-order p50", value: median(\.createP50), unit: "ms", baseline: rawOrders,
                    baselineValue: median(\.rawOrderP50)),
                Figure(
                    name: "create-order p99", value: median(\.createP99), unit: "ms", baseline: rawOrders,
                    baselineValue: median(\.rawOrderP99), target: "< 1 ms"),
                Figure(
                    name: "create-order CPU", value: median(\.createCPU), unit: "µs/edit", baseline: rawOrders,
                    baselineValue: median(\.rawOrderCPU)),
                Figure(
                    name: "change-status rate", value: median(\.statusRate), unit: "edits/s", baseline: rawHistory,
                    baselineValue: median(\.rawHistoryRate), target: "≥ 0.5× baseline"),
                Figure(
                    name: "change-status p50", value: median(\.statusP50), unit: "ms", baseline: rawHistory,
                    baselineValue: median(\.rawHistoryP50)),
                Figure(
                    name: "change-status p99", value: median(\.statusP99), unit: "ms", baseline: rawHistory,
                    baselineValue: median(\.rawHistoryP99), target: "< 1 ms"),
                Figure(
                    name: "change-status CPU", value: median(\.statusCPU), unit: "µs/edit", baseline: rawHistory,
                    baselineValue: median(\.rawHistoryCPU)),
            ],
            notes: [
                "\(count) edits per measurement after \(Self.warmUp) warm-up edits, in blocks of \(Self.blockSize) "
                    + "alternating with the baseline; medians of \(options.repetitions) repetitions",
                "create-order: 1 item; one transaction writes the order, item and history rows, 3 outbox entries, 2 "
                    + "row stamps, clock and counters",
                "change-status: one transaction writes the status, a history row, 2 outbox entries, 2 field stamps, "
                    + "clock",
                "baselines: one INSERT of one row per transaction (BEGIN IMMEDIATE…COMMIT), WAL, synchronous=FULL, "
                    + "prepared statement, the Store's page size (\(OrderStore.pageSize)) and checkpoint interval "
                    + "(\(OrderStore.walAutocheckpointPages) pages)",
                "CPU: the timing thread's CPU time (user + system, so system calls count) per edit; the wait for the "
                    + "disk is the rest of the latency",
                "the Store checkpoints its WAL on its own connection when its writer pauses (between blocks); the "
                    + "bench waits for that before each raw block, untimed",
            ])
    }

    static func draft() -> OrderDraft {
        let price = (try? Money(parsing: "899.00", currency: .usd)) ?? .zero(.usd)
        return OrderDraft(
            customer: Customer(name: "Jane Doe", email: "jane.doe@example.com", phone: "+1 555 010 0100"),
            items: [ItemDraft(productName: "Navy Suit", size: "40R", color: "navy", quantity: 1, unitPrice: price)],
            priority: .weddingParty, tax: Money(minorUnits: 8_450, currency: .usd),
            shipping: Money(minorUnits: 1_500, currency: .usd))
    }

    /// Latencies of timed calls, the time they took in total and the CPU time they used.
    struct Timer {
        var latencies = Samples()
        var elapsed = 0.0
        var cpu = 0.0

        /// Times `body` once per index; latencies in ms.
        mutating func measure(_ range: Range<Int>, _ body: (Int) throws -> Void) throws {
            for index in range {
                let cpuBefore = threadCPUSeconds()
                let before = monotonicSeconds()
                try body(index)
                let seconds = monotonicSeconds() - before
                cpu += threadCPUSeconds() - cpuBefore
                elapsed += seconds
                latencies.append(seconds * 1000)
            }
        }

        /// Microseconds of the thread's CPU time per timed call (the calls run on this thread:
        /// GRDB's serial writer queue runs `sync` blocks on the caller's thread).
        var cpuPerCall: Double { cpu / Double(latencies.values.count) * 1_000_000 }

        var rate: Double { Double(latencies.values.count) / elapsed }
        var p50: Double { latencies.percentile(50) }
        var p99: Double { latencies.percentile(99) }
    }
}

/// The benchmarks' edits are made by an admin (no sign-in: the scrypt check is not what they measure).
let benchActor = StaffActor(email: "bench@kct.example", name: "Bench", role: .admin)
