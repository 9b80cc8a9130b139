import Foundation
import GRDB
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
    }

    let backend: Backend

    init(_ backend: Backend) { self.backend = backend }

    package var dialect: SQLDialect {
        switch backend {
        case .sqlite: .sqlite
        }
    }

    /// `body` in a read transaction: a consistent snapshot of committed state.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        switch backend {
        case .sqlite(let pool): try pool.read { db in try body(SQLiteConnection(db)) }
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
        }
    }
}

/// This process's writer connection, held by `CentralDatabase.writeWithoutTransaction`.
struct CentralWriter {
    enum Connection {
        case sqlite(Database)
    }

    let connection: Connection

    init(_ connection: Connection) { self.connection = connection }

    /// The connection for statements outside a transaction.
    var sql: any SQLConnection {
        switch connection {
        case .sqlite(let db): SQLiteConnection(db)
        }
    }

    /// `body` in one write transaction that excludes every other writer of the store, in this
    /// process or another, until it commits (SQLite: BEGIN IMMEDIATE).
    func transaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        switch connection {
        case .sqlite(let db):
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(SQLiteConnection(db))
                return .commit
            }
            return result!
        }
    }
}
