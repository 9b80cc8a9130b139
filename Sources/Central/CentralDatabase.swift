import Foundation
import GRDB
import Postgres
import StorageSupport

/// Where central keeps its store: one SQLite file (the default) or a PostgreSQL database. Every
/// `CentralStore` feature is written once against `SQLConnection` and runs on either; this type
/// owns the connections and the transaction discipline of each backend.
///
/// Writes are serialized in two places. Within a process, one writer at a time (SQLite's single
/// writer; a lock around PostgreSQL's writer connection), which `ReplicaCache` relies on. Across
/// processes, SQLite's immediate transactions and, on PostgreSQL, a row lock on `central_state`
/// taken first by every write transaction: versions are assigned under that lock and the lock is
/// held until commit, so log versions commit in order (SYNC-PROTOCOL.md §4.12).
package final class CentralDatabase: Sendable {
    enum Backend: Sendable {
        case sqlite(DatabasePool)
        /// The pool, and the lock that makes this process's writes one at a time.
        case postgres(PostgresPool, writer: NSLock)
    }

    let backend: Backend

    init(_ backend: Backend) { self.backend = backend }

    package var dialect: SQLDialect {
        switch backend {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// `body` in a read transaction: a consistent snapshot of committed state.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        switch backend {
        case .sqlite(let pool): return try pool.read { db in try body(SQLiteConnection(db)) }
        case .postgres(let pool, _):
            // An idle connection may have died with a server restart; a read is safe to run again.
            do {
                return try Self.readTransaction(pool, body)
            } catch let error as PostgresError where error.kind == .connectionLost {
                return try Self.readTransaction(pool, body)
            }
        }
    }

    /// REPEATABLE READ: every statement of the read sees the same snapshot (a pull's head and
    /// its page agree), as SQLite's WAL readers do.
    private static func readTransaction<T>(_ pool: PostgresPool, _ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.withConnection { connection in
            try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(connection) }
        }
    }

    /// `body` in one write transaction, committed when it returns and rolled back when it throws.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try writeWithoutTransaction { writer in try writer.transaction(body) }
    }

    /// `body` holding this process's writer, outside a transaction: for work that must follow a
    /// commit before the next writer starts (folding a push into `ReplicaCache`), or that may not
    /// run in one (VACUUM).
    func writeWithoutTransaction<T>(_ body: (CentralWriter) throws -> T) throws -> T {
        switch backend {
        case .sqlite(let pool): try pool.writeWithoutTransaction { db in try body(CentralWriter(.sqlite(db))) }
        case .postgres(let pool, let writer):
            try writer.withLock {
                try pool.withConnection { connection in try body(CentralWriter(.postgres(connection))) }
            }
        }
    }
}

/// This process's writer connection, held by `CentralDatabase.writeWithoutTransaction`.
struct CentralWriter {
    enum Connection {
        case sqlite(Database)
        case postgres(PostgresConnection)
    }

    let connection: Connection

    init(_ connection: Connection) { self.connection = connection }

    /// The connection for statements outside a transaction.
    var sql: any SQLConnection {
        switch connection {
        case .sqlite(let db): SQLiteConnection(db)
        case .postgres(let connection): connection
        }
    }

    /// `body` in one write transaction that excludes every other writer of the store, in this
    /// process or another, until it commits (SQLite: BEGIN IMMEDIATE; PostgreSQL: the row lock on
    /// `central_state`, taken before anything else is read).
    func transaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(preparing: { _ in }, { conn, _, _ in try body(conn) })
    }

    /// As `transaction(_:)`, with `prepare` run first in the same transaction but, on PostgreSQL,
    /// before the row lock: other processes may commit while it runs and after it, so whatever
    /// it read must be checked again in `body`, under the lock (a push's, SYNC-PROTOCOL §4.12).
    /// `body`'s third argument says whether that is needed: on SQLite the transaction excludes
    /// other writers from its start, so nothing `prepare` read can have changed.
    func transaction<Prepared, T>(
        preparing prepare: (any SQLConnection) throws -> Prepared,
        _ body: (any SQLConnection, Prepared, _ othersMayHaveWritten: Bool) throws -> T
    ) throws -> T {
        switch connection {
        case .sqlite(let db):
            var result: Result<T, any Error>?
            try db.inTransaction(.immediate) {
                let conn = SQLiteConnection(db)
                result = .success(try body(conn, try prepare(conn), false))
                return .commit
            }
            guard let result else { preconditionFailure("GRDB committed without running the transaction's body") }
            return try result.get()
        case .postgres(let connection):
            return try connection.transaction {
                let prepared = try prepare(connection)
                // Before central init the table is empty and nothing is locked: nothing else can
                // run yet either (`kct central init` is one transaction that creates the row).
                try connection.execute("SELECT singleton FROM central_state FOR UPDATE", [])
                return try body(connection, prepared, true)
            }
        }
    }
}

extension CentralDatabase {
    /// Applies the migrations a PostgreSQL database lacks, by id, each in its own transaction
    /// with the ids it applied recorded in `central_migrations`. Processes starting together
    /// take turns (a transaction-scoped advisory lock), so each migration runs once.
    static func migratePostgres(
        _ connection: PostgresConnection, _ migrations: [(id: String, step: CentralPostgresSchema.Step)]
    ) throws {
        for migration in migrations {
            try connection.transaction {
                // Under the lock, so that two processes starting together do not both create it.
                try connection.execute("SELECT pg_advisory_xact_lock(?)", [.integer(Self.migrationLockKey)])
                try connection.executeScript(Self.migrationsTable)
                let applied = try connection.fetchValue(
                    "SELECT count(*) FROM central_migrations WHERE id = ?", [.text(migration.id)], as: Int64.self)
                guard applied == 0 else { return }
                switch migration.step {
                case .sql(let sql): try connection.executeScript(sql)
                case .swift(let step): try step(connection)
                }
                try connection.execute(
                    "INSERT INTO central_migrations (id, applied_at) VALUES (?, now())", [.text(migration.id)])
            }
        }
    }

    /// The record of the migrations applied, by id.
    static let migrationsTable =
        "CREATE TABLE IF NOT EXISTS central_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL)"

    /// The advisory lock key central's migrations take ("kct" in ASCII).
    static let migrationLockKey: Int64 = 0x6b_6374
}
