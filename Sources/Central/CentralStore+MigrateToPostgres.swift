import Foundation
import Postgres
import StorageSupport

/// Rows copied per table by `migrateToPostgres`, in copy order.
package struct PostgresMigrationReport: Sendable {
    package var tables: [(name: String, rows: Int64)] = []
    package var headVersion: Int64 = 0
}

extension CentralStore {
    /// Central's tables in the order they are copied (no table has a trigger that writes; the
    /// log's changes are copied packed, as they are).
    static let migratedTables = [
        "central_identity", "central_state", "nodes", "accounts", "outcomes", "log", "order_shops", "log_shops",
        "rows", "status_moves", "audit", "compacted_order_numbers", "effects", "webhook_events",
    ]

    /// Rows sent to PostgreSQL per pipelined batch.
    static let migrationBatch = 1_000

    /// `kct central migrate-to-postgres`: copies the SQLite store at `path` into the PostgreSQL
    /// database at `url` (created empty, migrated here), table by table with every row as it is
    /// (log versions, cursors, node tokens' hashes, accounts, audit ids, effects), in ONE
    /// PostgreSQL transaction read from ONE SQLite snapshot, and checks the row counts before
    /// committing. Nodes keep syncing from their cursors. Refuses a store being served (its
    /// writes after the snapshot would be lost) and a database that already holds a central
    /// store; the SQLite file is left as it was.
    package static func migrateToPostgres(
        from path: String, to url: String, progress: (String, Int64) -> Void = { _, _ in }
    ) throws(CentralError) -> PostgresMigrationReport {
        let lock = try ServeLock(databasePath: path)
        defer { lock.release() }
        let source = try open(path: path)
        let target = try openPostgres(url, existing: false)
        let location = CentralLocation.postgres(url: url)
        do {
            return try source.database.read { sqlite in
                try target.write { postgres in
                    guard try postgres.fetchValue("SELECT count(*) FROM central_identity", as: Int64.self) == 0 else {
                        throw CentralError.alreadyExists(path: location.description)
                    }
                    var report = PostgresMigrationReport()
                    for table in migratedTables {
                        let copied = try copy(table, from: sqlite, to: postgres)
                        let counted = try postgres.fetchValue("SELECT count(*) FROM \(table)", as: Int64.self) ?? 0
                        guard counted == copied else {
                            throw CentralError.unexpected(
                                "\(table): copied \(copied) rows but PostgreSQL holds \(counted); nothing was committed"
                            )
                        }
                        report.tables.append((table, copied))
                        progress(table, copied)
                    }
                    // Audit ids were copied as they are; new entries continue after them.
                    try postgres.execute(
                        """
                        SELECT setval(pg_get_serial_sequence('audit', 'id'), GREATEST((SELECT max(id) FROM audit), 1),
                          (SELECT count(*) > 0 FROM audit))
                        """, [])
                    report.headVersion =
                        try postgres.fetchValue("SELECT head_version FROM central_state", as: Int64.self) ?? 0
                    return report
                }
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Copies every row of `table`, in batches; the number of rows.
    private static func copy(_ table: String, from sqlite: any SQLConnection, to postgres: any SQLConnection) throws
        -> Int64
    {
        var insert: String?
        var batch: [[SQLValue]] = []
        var copied: Int64 = 0
        // Audit ids are an identity column: the copied ones are kept as they are.
        let overriding = table == "audit" ? " OVERRIDING SYSTEM VALUE" : ""
        func flush() throws {
            guard let insert, !batch.isEmpty else { return }
            try postgres.executeMany(insert, batch)
            copied += Int64(batch.count)
            batch.removeAll(keepingCapacity: true)
        }
        // Order numbers of compacted creations are kept lower-cased at PostgreSQL (its schema
        // checks it); SQLite's NOCASE column may hold them as older stores wrote them.
        let select =
            table == "compacted_order_numbers"
            ? "SELECT lower(order_number) AS order_number, order_id FROM compacted_order_numbers"
            : "SELECT * FROM \(table)"
        try sqlite.forEachRow(select, []) { row in
            if insert == nil {
                let columns = row.columns.names
                insert =
                    "INSERT INTO \(table) (\(columns.joined(separator: ", ")))\(overriding) VALUES ("
                    + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            }
            batch.append(row.values)
            if batch.count == migrationBatch { try flush() }
            return true
        }
        try flush()
        return copied
    }
}
