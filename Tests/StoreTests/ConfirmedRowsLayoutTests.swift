import Foundation
import GRDB
import OrderDomain
import SyncCore
import TestSupport
import Testing

@testable import StorageSupport
@testable import Store

/// `confirmed_rows` keyed by `(order_id, entity code, row_id bytes)` since
/// `2026-12-09-confirmed-rows-by-order`: a replica of the layout before it (keyed by entity name
/// and row id text, indexed by order) migrates with the same states, shows the same tables, and
/// merges what follows as a replica that never had the old layout.
@Suite struct ConfirmedRowsLayoutTests {
    static let migration = "2026-12-09-confirmed-rows-by-order"

    /// A connection beside the store's own, which waits for the store's checkpoints.
    static var waiting: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        return configuration
    }

    /// Every confirmed row of the replica at `path`, in the layout of today's schema.
    static func confirmedStates(_ path: String) throws -> [RowKey: RowState] {
        try DatabaseQueue(path: path, configuration: waiting).read { db in
            var states: [RowKey: RowState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM confirmed_rows") {
                let state = try ConfirmedState.decode(row)
                states[RowKey(state.entity, state.rowID)] = state
            }
            return states
        }
    }

    /// Rewrites the confirmed rows of the replica at `path` into the layout before
    /// `2026-12-09-confirmed-rows-by-order` (their states stored by `encode`, plus `extra` rows)
    /// and forgets that migration; returns the states it wrote.
    @discardableResult
    static func revertToTheEntityKeyedLayout(
        _ path: String, extra: [RowState] = [],
        encode: (RowState) -> (fields: Data, appended: Data?, tombstone: Data?) = RowStateCodec.columns(of:)
    ) throws -> [RowKey: RowState] {
        var states = try confirmedStates(path)
        for state in extra { states[RowKey(state.entity, state.rowID)] = state }
        try DatabaseQueue(path: path, configuration: waiting).write { db in
            // The table and index as `2026-11-25-sync` made them, taken from it word for word.
            let sync = ReplicaMigrations.syncTables
            let table = try #require(sync.range(of: "CREATE TABLE confirmed_rows (")).lowerBound
            let index = try #require(sync.range(of: "ON confirmed_rows (order_id);")).upperBound
            try db.execute(sql: "DROP TABLE confirmed_rows; " + sync[table..<index])
            for state in states.values {
                let stored = encode(state)
                try db.execute(
                    sql: "INSERT INTO confirmed_rows VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        state.entity.rawValue, state.rowID, state.orderID, stored.fields, stored.appended,
                        stored.tombstone,
                    ])
            }
            // And the migrations after it, so that the database is the previous schema exactly.
            try AnalyticsStageDaysTests.undoMigration(db)
            try db.execute(sql: IncrementalFiguresTests.undoOverdueMigration)
            try db.execute(
                sql: "DELETE FROM grdb_migrations WHERE identifier IN (?, ?)",
                arguments: [migration, "2026-12-09-analytics-overdue"])
        }
        return states
    }

    @Test func aReplicaOfThePreviousLayoutMigratesAndMergesAsBefore() throws {
        var harness = SyncHarness()
        let w1 = try harness.node("W1")
        let w2 = try harness.node("W2")
        let control = try harness.node("W3")
        let order = try w1.createOrder(sampleDraft(), by: .test("ana"))
        try w1.changeStatus(order.id, to: .paymentConfirmed, by: .test("ana"))
        try w1.updateOrder(order.id, OrderPatch(notes: "before the migration"), by: .test("ana"))
        let second = try w1.createOrder(sampleDraft(name: "Zelda Okafor"), by: .test("ana"))
        try harness.sync(w1)
        try harness.sync(w2)
        try harness.sync(control)

        // An id that is not a UUID (stays text) in an order of its own.
        var odd = RowState(entity: .communicationLog, rowID: "log-of-an-old-node", orderID: "order-not-a-uuid")
        _ = odd.merge(
            Change(
                nodeID: "node-a", sequence: 1, hlc: HLC(packed: 1_800_000_000_000 << 16), entity: .communicationLog,
                rowID: odd.rowID, orderID: odd.orderID, operation: .append,
                fields: ["message_content": .text("called")], author: "ana@kct.example"),
            version: 1)
        let visible = try w2.visibleTables()
        let directory = URL(fileURLWithPath: w2.path).deletingLastPathComponent().path
        let before = try Self.revertToTheEntityKeyedLayout(w2.path, extra: [odd])
        #expect(before.count >= 7, "2 orders, their 4 items, their history, the odd row")

        // It is the previous schema, statement for statement.
        let previous = try DatabaseQueue()
        try ReplicaMigrations.migrator.migrate(previous, upTo: ReplicaMigrations.identifier(before: Self.migration))
        func statements(_ queue: DatabaseQueue) throws -> Set<String> {
            Set(try queue.read(ReplicaSchema.dump).components(separatedBy: ";\n"))
        }
        let onDisk = try DatabaseQueue(path: w2.path)
        #expect(try statements(onDisk) == statements(previous))
        try onDisk.close()

        let migrated = try OrderStore.open(directory: directory)
        #expect(try Self.confirmedStates(migrated.path) == before)
        #expect(try migrated.visibleTables() == visible)
        #expect(try migrated.integrityCheck() == ["ok"])
        let layout = try migrated.read { db in
            try Row.fetchAll(db, sql: "SELECT typeof(order_id) AS type, length(row_id) AS length FROM confirmed_rows")
        }
        #expect(layout.filter { $0["type"] == "blob" }.count == before.count - 1)
        #expect(layout.filter { $0["type"] == "text" }.count == 1)
        // Two order rows store an empty row id (their order's), the other UUIDs 16 bytes.
        #expect(layout.filter { $0["length"] == 0 }.count == 2)
        #expect(layout.filter { $0["length"] == 16 }.count == before.count - 3)
        let indexes = try migrated.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name LIKE 'confirmed_rows%'")
        }
        #expect(
            indexes.sorted() == ["confirmed_rows", "confirmed_rows_integration_requests"],
            "the by-order index and the old table are gone")

        // What follows merges as on a replica that never had the old layout.
        try w1.updateOrder(order.id, OrderPatch(notes: "after the migration"), by: .test("ana"))
        try w1.changeStatus(order.id, to: .processing, by: .test("ana"))
        try w1.removeItem(order: second.id, item: "2", by: .test("ana"))
        try harness.sync(w1)
        try harness.pull(migrated)
        try harness.pull(control)
        #expect(try migrated.order(order.id).notes == "after the migration")
        #expect(try migrated.visibleTables() == control.visibleTables())
        var merged = try Self.confirmedStates(migrated.path)
        #expect(merged.removeValue(forKey: RowKey(.communicationLog, odd.rowID)) == odd)
        #expect(merged == (try Self.confirmedStates(control.path)))
        let oddRows = try migrated.read { db in try ConfirmedState.rows(db, orderID: odd.orderID) }
        #expect(oddRows == [RowKey(.communicationLog, odd.rowID): odd])
    }
}

extension ConfirmedRowsLayoutTests {
    /// `kct sync status` finds the orders with requests to providers by their partial index, not by
    /// reading every confirmed row.
    @Test func ordersWithProviderRequestsAreFoundByTheirOwnIndex() throws {
        let harness = SyncHarness()
        let store = try harness.node("W1")
        let plan = try store.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + ConfirmedState.orderIDsSelect(entity: .integrationRequest)
            ).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("confirmed_rows_integration_requests") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN confirmed_rows") && !$0.contains("INDEX") }, "\(plan)")
    }
}
