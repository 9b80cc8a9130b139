import Foundation
import GRDB
import Store
import SyncCore

/// Ad-hoc (nodestore): merge rate of pulled set_fields pages into a node replica beside raw
/// SQLite inserts of as many rows, one transaction per page, in the same run.
struct PullMergeSuite: BenchSuite {
    let name = "pull-merge"
    let summary = "merge of pulled PullResponse pages (1,000 set_fields each) into a replica vs raw SQLite inserts"

    func run(_ options: BenchOptions) async throws -> SuiteReport { try measure(options) }

    private func measure(_ options: BenchOptions) throws -> SuiteReport {
        let orders = options.count(2_000), pages = options.count(20), pageSize = 1_000
        let directory = options.workDirectory + "/pull-merge"
        let store = try OrderStore.create(directory: directory, name: "W9", shopCode: "S01")
        let author = "11111111-2222-3333-4444-555555555555"
        var version: Int64 = 0
        var hlcMillis: UInt64 = 1_795_000_000_000
        func change(_ sequence: Int64, orderID: String, fields: [String: FieldValue]) -> Change {
            hlcMillis += 1
            return Change(nodeID: author, sequence: sequence, hlc: HLC(millis: hlcMillis, counter: 0), entity: .order, rowID: orderID,
                          orderID: orderID, operation: .setFields, fields: fields, author: "bench")
        }
        let orderIDs = (0..<orders).map { _ in UUID().uuidString.lowercased() }
        var sequence: Int64 = 0
        var creations: [LogEntry] = []
        for (index, id) in orderIDs.enumerated() {
            sequence += 1
            version += 1
            creations.append(LogEntry(version: version, change: change(sequence, orderID: id, fields: [
                "order_number": .text("S01-W8-\(String(format: "%06d", index + 1))"), "customer_name": .text("Customer \(index)"),
                "customer_email": .text("c\(index)@example.com"), "currency": .text("USD"), "priority": .text("normal"),
                "tax_amount": .integer(0), "shipping_amount": .integer(0), "created_at": .text("2026-11-25T10:00:00.000Z"),
                "created_by": .text("bench"),
            ])))
        }
        _ = try store.applyPullPage(PullResponse(entries: creations, nextCursor: version, hasMore: false, headVersion: version))
        var updatePages: [PullResponse] = []
        for page in 0..<pages {
            var entries: [LogEntry] = []
            for index in 0..<pageSize {
                sequence += 1
                version += 1
                entries.append(LogEntry(version: version, change: change(sequence, orderID: orderIDs[(page * pageSize + index) % orders], fields: [
                    "notes": .text("page \(page) change \(index)"), "priority": .text(index % 2 == 0 ? "high" : "normal"),
                ])))
            }
            updatePages.append(PullResponse(entries: entries, nextCursor: version, hasMore: false, headVersion: version))
        }
        let start = Date()
        for page in updatePages { _ = try store.applyPullPage(page) }
        let mergeRate = Double(pages * pageSize) / Date().timeIntervalSince(start)

        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = 1024") }
        let raw = try DatabasePool(path: directory + "/raw.sqlite", configuration: configuration)
        try raw.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE rows (id TEXT PRIMARY KEY, notes TEXT, priority TEXT, version INTEGER) WITHOUT ROWID")
        }
        let rawStart = Date()
        for page in updatePages {
            try raw.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO rows (id, notes, priority, version) VALUES (?, ?, ?, ?)")
                for entry in page.entries {
                    try statement.execute(arguments: [UUID().uuidString, "page change", "high", entry.version])
                }
            }
        }
        let rawRate = Double(pages * pageSize) / Date().timeIntervalSince(rawStart)
        return SuiteReport(suite: name, figures: [
            Figure(name: "pulled set_fields merged", value: mergeRate, unit: "changes/s", baseline: "raw SQLite inserts",
                   baselineValue: rawRate, target: "≥ 200k changes/s"),
        ])
    }
}
