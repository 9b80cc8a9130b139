import Foundation
import Store
import SyncCore

/// Merge rates at a node, in process, each beside raw SQLite inserts of as many rows batched like
/// the pages in the same repetition: pulled set_fields pages on existing orders, and the `sync`
/// suite's merge of new orders (without its daemons, so the merge path can be measured alone).
/// Each merge also sits beside its peer, SQLite's session extension applying changesets of the
/// same typed rows, page for page (`ChangesetPeer`).
struct PullMergeSuite: BenchSuite {
    let name = "pull-merge"
    let summary =
        "merge of pulled pages into a replica (1,000 set_fields each; new orders as the sync suite) vs raw SQLite "
        + "inserts and SQLite's changeset apply of the same rows"

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        var updateRates: [Double] = [], rawUpdateRates: [Double] = [], updatePeerRates: [Double] = []
        var creationRates: [Double] = [], rawCreationRates: [Double] = [], peerRates: [Double] = []
        var creationChanges = 0, peerRows = 0
        for repetition in 0..<options.repetitions {
            let directory = options.workDirectory + "/pull-merge-\(repetition)"
            let updates = try measureUpdates(options, directory: directory)
            updateRates.append(updates.rate)
            rawUpdateRates.append(updates.rawRate)
            updatePeerRates.append(updates.peerRate)
            let merge = try SyncSuite.measureMerge(
                orders: options.count(SyncSuite.mergeOrders), directory: directory + "/creations")
            creationRates.append(merge.rate)
            creationChanges = merge.changes
            rawCreationRates.append(
                try SyncSuite.rawBatchRate(
                    rows: merge.changes, batch: ProtocolLimits.defaultPullLimit,
                    path: directory + "/creations/raw.sqlite"))
            let changesets = try ChangesetPeer.recordCreations(
                pages: merge.pages, merged: merge.replica, scratchDirectory: directory + "/creations/changeset-source")
            peerRows = changesets.reduce(0) { $0 + $1.rows }
            peerRates.append(try ChangesetPeer.applyRate(changesets, directory: directory + "/creations/changeset"))
        }
        return SuiteReport(
            suite: name,
            figures: [
                Figure(
                    name: "pulled set_fields merged", value: Samples(updateRates).median, unit: "changes/s",
                    baseline: "raw SQLite inserts, 1,000 rows/txn",
                    baselineValue: Samples(rawUpdateRates).median, target: "≥ 200k changes/s"),
                Figure(
                    name: "pulled set_fields merged, vs changeset", value: Samples(updateRates).median,
                    unit: "changes/s", baseline: "sqlite3changeset_apply of the same updates, rows/s",
                    baselineValue: Samples(updatePeerRates).median, target: "≥ 0.5×"),
                Figure(
                    name: "pulled new orders merged", value: Samples(creationRates).median, unit: "changes/s",
                    baseline: "raw SQLite insert, \(ProtocolLimits.defaultPullLimit) rows/txn",
                    baselineValue: Samples(rawCreationRates).median,
                    target: "≥ 200k changes/s"),
                Figure(
                    name: "pulled new orders merged, vs changeset", value: Samples(creationRates).median,
                    unit: "changes/s",
                    baseline: "sqlite3changeset_apply of the same rows, rows/s",
                    baselineValue: Samples(peerRates).median, target: "≥ 0.5×"),
            ],
            notes: [
                "set_fields: \(options.count(20)) pages of 1,000 changes (notes, priority) over "
                    + "\(options.count(2_000)) existing orders",
                "new orders: \(creationChanges) changes of one-item orders from another replica's write path, pages "
                    + "of \(ProtocolLimits.defaultPullLimit), as the sync suite's merge figure",
                "set_fields changeset peer: each page's updates of the changed columns of `orders` (not "
                    + "updated_at), recorded by sqlite3session, applied into a replica holding the same orders",
                "new orders changeset peer: the \(peerRows) typed rows (orders, order_items, order_status_history) the "
                    + "new orders' changes name, as merged, recorded by sqlite3session on a scratch replica, one "
                    + "changeset per pull page; applied by sqlite3changeset_apply into an empty replica (its schema, "
                    + "indexes and triggers), one transaction per changeset, synchronous=FULL, the Store's VFS",
                "\(options.repetitions) repetitions, medians",
            ])
    }

    private func measureUpdates(_ options: BenchOptions, directory: String) throws -> (
        rate: Double, rawRate: Double, peerRate: Double
    ) {
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
        // The peer first, while the replica holds what the pages will be merged into.
        let base = OrderStore.replicaPath(directory)
        let changesets = try ChangesetPeer.recordUpdates(
            pages: updatePages, base: base, scratchDirectory: directory + "/changeset-source")
        let peerRate = try ChangesetPeer.applyRate(changesets, directory: directory + "/changeset", base: base)

        let start = Date()
        for page in updatePages { _ = try store.applyPullPage(page) }
        let mergeRate = Double(pages * pageSize) / Date().timeIntervalSince(start)

        // Raw SQLite through the C API and the stock VFS, as every other baseline.
        let rawRate = try SyncSuite.rawBatchRate(
            rows: pages * pageSize, batch: pageSize, path: directory + "/raw.sqlite")
        return (mergeRate, rawRate, peerRate)
    }
}
