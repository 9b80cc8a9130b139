import Foundation
import GRDB
import Testing

@testable import OrderDomain
@testable import Store

@Suite struct SchemaFileTests {
    static let schemaFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schema/replica.sql")

    @Test func schemaFileMatchesTheMigratedSchema() throws {
        let queue = try DatabaseQueue()
        try ReplicaMigrations.migrator.migrate(queue)
        let migrated = try queue.read(ReplicaSchema.dump)
        if ProcessInfo.processInfo.environment["KCT_UPDATE_SCHEMA"] == "1" {
            try migrated.write(to: Self.schemaFile, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(written == migrated, "schema/replica.sql is out of date; regenerate it with KCT_UPDATE_SCHEMA=1")
    }

    @Test func schemaFileBuildsTheSameDatabase() throws {
        // The file is runnable SQL: executing it yields the same schema as the migrations.
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: String(contentsOf: Self.schemaFile, encoding: .utf8)) }
        let fromFile = try queue.read(ReplicaSchema.dump)
        let migrated = try DatabaseQueue()
        try ReplicaMigrations.migrator.migrate(migrated)
        #expect(fromFile == (try migrated.read(ReplicaSchema.dump)))
    }
}

@Suite struct MigrationTests {
    @Test func freshDatabaseGetsEveryMigration() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let applied = try DatabaseQueue(path: store.path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(applied == ReplicaMigrations.identifiers)
    }

    @Test func existingDatabaseKeepsItsDataAndGetsTheMissingMigrations() throws {
        let directory = TemporaryDirectory()
        let path = OrderStore.replicaPath(directory.path)
        // A replica made by the first migration only, with an order in it.
        let old = try DatabaseQueue(path: path)
        try ReplicaMigrations.migrator.migrate(old, upTo: ReplicaMigrations.identifiers[0])
        try old.write { db in
            try db.execute(
                sql: "INSERT INTO node_identity VALUES (1, 'node-a', 'W1', 'S01', '2026-11-25T10:00:00.000Z')")
            try db.execute(sql: "INSERT INTO node_state VALUES (1, 0, 0, 1)")
            try db.execute(sql: "INSERT INTO sync_state (singleton) VALUES (1)")
            try db.execute(
                sql: """
                    INSERT INTO orders (id, order_number, customer_name, customer_email, subtotal_amount,
                      total_amount, created_at, created_by, updated_at)
                    VALUES ('o-1', 'S01-W1-000001', 'Zelda Okafor', 'zelda@example.com', 100, 100,
                      '2026-11-25T10:00:00.000Z', 'ana', '2026-11-25T10:00:00.000Z')
                    """)
        }
        try old.close()

        let store = try OrderStore.open(directory: directory.path)
        #expect(store.identity.nodeID == "node-a")
        #expect(try store.orders(OrderFilter(search: "okafor")).map(\.orderNumber) == ["S01-W1-000001"])
        let next = try store.createOrder(sampleDraft(), by: .test("ana"))
        #expect(next.orderNumber == "S01-W1-000002")
        // Opening again applies nothing twice.
        _ = try OrderStore.open(directory: directory.path)
        let applied = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(applied == ReplicaMigrations.identifiers)
    }

    @Test func initRefusesAnExistingReplicaAndChangesNothing() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        try store.createOrder(sampleDraft(), by: .test("ana"))
        #expect {
            try OrderStore.create(directory: directory.path, name: "W2", shopCode: "S02")
        } throws: { error in
            guard case StoreError.alreadyInitialised(_, let nodeID) = error else { return false }
            return nodeID == store.identity.nodeID
        }
        let reopened = try OrderStore.open(directory: directory.path)
        #expect(reopened.identity == store.identity)
        #expect(try reopened.orders(OrderFilter()).count == 1)
    }

    @Test func missingReplicaAndForeignFilesAreRefused() throws {
        let directory = TemporaryDirectory()
        #expect(throws: StoreError.self) { try OrderStore.open(directory: directory.sub("nowhere")) }
        #expect(!FileManager.default.fileExists(atPath: directory.sub("nowhere")))
        // Some other SQLite database at the replica path is left untouched.
        let foreign = try DatabaseQueue(path: OrderStore.replicaPath(directory.path))
        try foreign.write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        try foreign.close()
        #expect {
            try OrderStore.open(directory: directory.path)
        } throws: { error in
            if case StoreError.notAReplica = error { return true } else { return false }
        }
        let tables = try DatabaseQueue(path: OrderStore.replicaPath(directory.path)).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        #expect(tables == ["notes"])
    }

    @Test func replicaRunsInWALWithFullSync() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let (mode, synchronous, pageSize) = try store.pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode")!, try Int.fetchOne(db, sql: "PRAGMA synchronous")!,
                try Int.fetchOne(db, sql: "PRAGMA page_size")!
            )
        }
        #expect(mode == "wal")
        #expect(synchronous == 2) // FULL
        #expect(pageSize == OrderStore.pageSize)
    }
}
