import Foundation
import GRDB
import SyncCore

@testable import OrderDomain
@testable import Store

/// A node store and SyncCore's in-memory central, wired by passing protocol values.
struct SyncHarness {
    var central = CentralModel()
    let clock = ManualClock()
    let directory = TemporaryDirectory()

    func node(_ name: String) throws -> OrderStore {
        try OrderStore.create(directory: directory.sub(name), name: name, shopCode: "S01", clock: clock.function)
    }

    /// `count` nodes W1, W2, … each with a clock of its own, for tests that move them apart.
    func nodesWithOwnClocks(_ count: Int) throws -> (stores: [OrderStore], clocks: [ManualClock]) {
        let clocks = (0..<count).map { _ in ManualClock() }
        let stores = try (0..<count).map { index in
            try OrderStore.create(
                directory: directory.sub("W\(index + 1)"), name: "W\(index + 1)", shopCode: "S01",
                clock: clocks[index].function)
        }
        return (stores, clocks)
    }

    /// Pushes everything pending (in batches of `batch`), returning the replies applied.
    @discardableResult
    mutating func push(_ store: OrderStore, batch: Int = 50) throws -> [SyncApplyReport] {
        var reports: [SyncApplyReport] = []
        while let request = try store.nextPush(limit: batch) {
            let response = try central.push(request, authenticatedNode: store.identity.nodeID, nowMillis: clock.now)
            reports.append(try store.applyPushResponse(response))
        }
        return reports
    }

    /// Pulls until the node has central's head.
    @discardableResult
    func pull(_ store: OrderStore, pageSize: Int = 25) throws -> [SyncApplyReport] {
        var reports: [SyncApplyReport] = []
        while true {
            let page = central.pull(PullRequest(after: try store.pullCursor(), limit: pageSize))
            reports.append(try store.applyPullPage(page))
            if !page.hasMore { return reports }
        }
    }

    mutating func sync(_ store: OrderStore) throws {
        try push(store)
        try pull(store)
    }
}

extension OrderStore {
    /// The visible tables as text, without local bookkeeping (`local_id`, `updated_at`), for
    /// comparing two replicas.
    func visibleTables() throws -> [String] {
        try read { db in
            var lines: [String] = []
            for (table, order) in [
                ("orders", "id"), ("order_items", "id"), ("order_status_history", "id"), ("order_exceptions", "id"),
                ("customer_communication_logs", "id"), ("order_claims", "id"),
            ] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)") {
                    let columns = row.columnNames.filter { $0 != "local_id" && $0 != "updated_at" }
                    lines.append(
                        table + ": " + columns.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " "))
                }
            }
            return lines
        }
    }
}
