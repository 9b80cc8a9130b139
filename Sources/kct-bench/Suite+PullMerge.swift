import Foundation
import Store
import SyncCore

/// Merge rates at a node, in process, each beside raw SQLite inserts of as many rows batched like
/// the pages in the same repetition: pulled set_fields pages on existing orders, and the `sync`
/// suite's merge of new orders (without its daemons, so the merge path can be measured alone).
struct PullMergeSuite: BenchSuite {
    let name = "pull-merge"
    let summary =
        "merge of pulled pages into a replica (1,000 set_fields each; new orders as the sync suite) vs raw SQLite "
        + "inserts"

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        var updateRates: [Double] = [], rawUpdateRates: [Double] = []
        var creationRates: [Double] = [], rawCreationRates: [Double] = []
        var creationChanges = 0
        for repetition in 0..<options.repetitions {
            let directory = options.workDirectory + "/pull-merge-\(repetition)"
            let (rate, rawRate) = try measureUpdates(options, directory: directory)
            updateRates.append(rate)
            rawUpdateRates.append(rawRate)
            let (creationRate, changes) = try SyncSuite.measureMerge(
                orders: options.count(SyncSuite.mergeOrders), directory: directory + "/creations")
            creationRates.append(creationRate)
            creationChanges = changes
            rawCreationRates.append(
                try SyncSuite.rawBatchRate(
                    rows: changes, batch: ProtocolLimits.defaultPullLimit, path: directory + "/creations/raw.sqlite"))
        }
        return SuiteReport(
            suite: name,
            figures: [
                Figure(
                    name: "pulled set_fields merged", value: Samples(updateRates).median, unit: "changes/s",
                    baseline: "raw SQLite inserts, 1,000 rows/txn",
                    baselineValue: Samples(rawUpdateRates).median, target: "≥ 200k changes/s"),
                Figure(
                    name: "pulled new orders merged", value: Samples(creationRates).median, unit: "changes/s",
                    baseline: "raw SQLite insert, \(ProtocolLimits.defaultPullLimit) rows/txn",
                    baselineValue: Samples(rawCreationRates).median,
                    target: "≥ 200k changes/s"),
            ],
            notes: [
                "set_fields: \(options.count(20)) pages of 1,000 changes (notes, priority) over "
                    + "\(options.count(2_000)) existing orders",
                "new orders: \(creationChanges) changes of one-item orders from another replica's write path, pages "
                    + "of \(ProtocolLimits.defaultPullLimit), as the sync suite's merge figure",
                "\(options.repetitions) repetitions, medians",
            ])
    }

    private func measureUpdates(_ options: BenchOptions, directory: String) throws -> (rate: Double, rawRate: Double) {
        let orders = options.count(2_000), pages = options.count(20), pageSize = 1_000
        let store = try OrderStore.create(directory: directory, name: "W9", shopCode: "S01")
        let author = "11111111-2222-3333-4444-555555555555"
        var version: Int64 = 0
        var hlcMillis: UInt64 = 1_795_000_000_000
        func change(_ sequence: Int64, orderID: String, fields: [String: FieldValue]) -> Change {
            hlcMillis += 1
            return Change(
                nodeID: author, sequence: sequence, hlc: HLC(millis: hlcMillis, counter: 0), entity: .order,
                rowID: orderID,
                orderID: orderID, operation: .setFields, fields: fields, author: "bench")
        }
        let orderIDs = (0..<orders).map { _ in UUID().uuidString.lowercased() }
        var sequence: Int64 = 0
        var creations: [LogEntry] = []
        for (index, id) in orderIDs.enumerated() {
            sequence += 1
            version += 1
            creations.append(
                LogEntry(
                    version: version,
                    change: change(
                        sequence, orderID: id,
                        fields: [
                            "order_number": .text("S01-W8-\(String(format: "%06d", index + 1))"),
                            "customer_name": .text("Customer \(index)"),
                            "customer_email": .text("c\(index)@example.com"), "currency": .text("USD"),
                            "priority": .text("normal"),
                            "tax_amount": .integer(0), "shipping_amount": .integer(0),
                            "created_at": .text("2026-11-25T10:00:00.000Z"),
                            "created_by": .text("bench"),
                        ])))
        }
        _ = try store.applyPullPage(
            PullResponse(entries: creations, nextCursor: version, hasMore: false, headVersion: version))
        var updatePages: [PullResponse] = []
        for page in 0..<pages {
            var entries: [LogEntry] = []
            for index in 0..<pageSize {
                sequence += 1
                version += 1
                entries.append(
                    LogEntry(
                        version: version,
                        change: change(
                            sequence, orderID: orderIDs[(page * pageSize + index) % orders],
                            fields: [
                                "notes": .text("page \(page) change \(index)"),
                                "priority": .text(index % 2 == 0 ? "high" : "normal"),
                            ])))
            }
            updatePages.append(
                PullResponse(entries: entries, nextCursor: version, hasMore: false, headVersion: version))
        }
        let start = Date()
        for page in updatePages { _ = try store.applyPullPage(page) }
        let mergeRate = Double(pages * pageSize) / Date().timeIntervalSince(start)

        // Raw SQLite through the C API and the stock VFS, as every other baseline.
        let rawRate = try SyncSuite.rawBatchRate(
            rows: pages * pageSize, batch: pageSize, path: directory + "/raw.sqlite")
        return (mergeRate, rawRate)
    }
}
