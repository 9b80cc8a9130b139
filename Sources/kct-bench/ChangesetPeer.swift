import CSQLite
import CSQLiteSession
import Foundation
import Store
import SyncCore

/// SQLite's own session extension applying the rows a merge wrote: the peer issue #13 holds the
/// merge of pulled changes to (≥ 0.5×). For each pulled page a changeset of the typed rows its
/// changes name is recorded on a scratch replica with `sqlite3session`; the changesets are then
/// applied with `sqlite3changeset_apply`, one transaction each as the merge's pages, into a
/// replica (its schema, indexes and triggers) holding what the merge's replica held before,
/// `synchronous=FULL`, the Store's VFS and checkpoint interval. A conflict (a row to insert that
/// exists, a row to update that is missing or differs) aborts the apply: every recorded change
/// applied.
enum ChangesetPeer {
    /// One recorded changeset; its buffer (SQLite's) is freed once, with the object.
    final class Changeset {
        let size: Int32
        let bytes: UnsafeMutableRawPointer?
        let rows: Int

        init(size: Int32, bytes: UnsafeMutableRawPointer?, rows: Int) {
            self.size = size
            self.bytes = bytes
            self.rows = rows
        }

        deinit { sqlite3_free(bytes) }
    }

    /// A recording session, deleted once, with the object (before its connection closes).
    private final class Session {
        let handle: OpaquePointer?
        let connection: RawConnection

        init(_ connection: RawConnection) throws {
            var handle: OpaquePointer?
            try connection.check(kct_session_create(connection.handle, &handle), "sqlite3session_create")
            self.handle = handle
            self.connection = connection
            for table in ChangesetPeer.tables {
                try connection.check(kct_session_attach(handle, table), "attach \(table)")
            }
        }

        deinit { kct_session_delete(handle) }

        func changeset(rows: Int) throws -> Changeset {
            var size: Int32 = 0
            var bytes: UnsafeMutableRawPointer?
            try connection.check(kct_session_changeset(handle, &size, &bytes), "sqlite3session_changeset")
            let changeset = Changeset(size: size, bytes: bytes, rows: rows)
            guard rows == 0 || size > 0 else { throw BenchError("the session recorded nothing of \(rows) rows") }
            return changeset
        }
    }

    /// The typed tables a changeset holds rows of; orders first, so it inserts an order before
    /// its children.
    static let tables = ["orders", "order_items", "order_status_history"]

    static func table(of entity: EntityKind) throws -> String {
        switch entity {
        case .order: "orders"
        case .orderItem: "order_items"
        case .statusHistory: "order_status_history"
        default: throw BenchError("the changeset peer copies orders, items and history only, not \(entity)")
        }
    }

    /// An empty replica (made by the Store, closed again) at `directory`, opened through the C
    /// API with the Store writer's settings, holding the typed rows of `base` if given.
    private static func replica(_ directory: String, name: String, base: String?) throws -> RawConnection {
        _ = try OrderStore.create(directory: directory, name: name, shopCode: "S01")
        let connection = try RawConnection(path: OrderStore.replicaPath(directory), vfs: nil)
        for pragma in [
            "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
            "PRAGMA wal_autocheckpoint = \(OrderStore.walAutocheckpointPages)",
        ] {
            try connection.execute(pragma)
        }
        if let base {
            try connection.execute("ATTACH DATABASE '\(base)' AS base")
            try connection.execute("BEGIN IMMEDIATE")
            for table in tables { try connection.execute("INSERT INTO main.\(table) SELECT * FROM base.\(table)") }
            try connection.execute("COMMIT")
            try connection.execute("DETACH DATABASE base")
        }
        return connection
    }

    /// New orders: one changeset per page of the rows of `merged` (a replica after the merge)
    /// that the page's changes name. A row named again by a later change is in the changeset of
    /// its first page only.
    static func recordCreations(pages: [PullResponse], merged: String, scratchDirectory: String) throws
        -> [Changeset]
    {
        let connection = try replica(scratchDirectory, name: "P1", base: nil)
        try connection.execute("ATTACH DATABASE '\(merged)' AS merged")
        var copies: [String: OpaquePointer?] = [:]
        defer { for statement in copies.values { sqlite3_finalize(statement) } }
        for table in tables {
            copies[table] = try connection.prepare(
                "INSERT OR IGNORE INTO main.\(table) SELECT * FROM merged.\(table) WHERE id = ?")
        }
        return try pages.map { page in
            try record(page, on: connection) { change in
                let copy = copies[try table(of: change.entity)]!
                try connection.check(sqlite3_bind_text(copy, 1, change.rowID, -1, kct_sqlite_transient()), "bind")
                try connection.step(copy, "copy a merged row")
            }
        }
    }

    /// Edits of existing orders (set_fields of order rows): one changeset per page of the
    /// `orders` updates its changes make, each change's fields set on the typed rows of `base`
    /// (the merge's replica before the pages).
    static func recordUpdates(pages: [PullResponse], base: String, scratchDirectory: String) throws -> [Changeset] {
        let connection = try replica(scratchDirectory, name: "P1", base: base)
        var updates: [[String]: OpaquePointer?] = [:]
        defer { for statement in updates.values { sqlite3_finalize(statement) } }
        return try pages.map { page in
            try record(page, on: connection) { change in
                guard change.entity == .order, change.operation == .setFields else {
                    throw BenchError("the changeset peer updates order rows only, not \(change.entity)")
                }
                let columns = change.fields.keys.sorted()
                if updates[columns] == nil {
                    updates[columns] = try connection.prepare(
                        "UPDATE orders SET " + columns.map { "\($0) = ?" }.joined(separator: ", ") + " WHERE id = ?")
                }
                let update = updates[columns]!
                for (index, column) in columns.enumerated() {
                    try bind(change.fields[column]!, to: update, at: Int32(index + 1), on: connection)
                }
                try bind(.text(change.rowID), to: update, at: Int32(columns.count + 1), on: connection)
                try connection.step(update, "update a row")
            }
        }
    }

    /// Runs `write` for each change of `page` in one transaction while a session records.
    private static func record(_ page: PullResponse, on connection: RawConnection, _ write: (Change) throws -> Void)
        throws -> Changeset
    {
        let session = try Session(connection)
        var rows = 0
        try connection.execute("BEGIN IMMEDIATE")
        for entry in page.entries {
            try write(entry.change)
            rows += Int(sqlite3_changes(connection.handle))
        }
        try connection.execute("COMMIT")
        return try session.changeset(rows: rows)
    }

    private static func bind(
        _ value: FieldValue, to statement: OpaquePointer?, at index: Int32, on connection: RawConnection
    )
        throws
    {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(statement, index)
        case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
        case .real(let number): code = sqlite3_bind_double(statement, index, number)
        case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, kct_sqlite_transient())
        case .bool(let flag): code = sqlite3_bind_int64(statement, index, flag ? 1 : 0)
        }
        try connection.check(code, "bind")
    }

    /// Rows per second applying `changesets` in order into a replica made at `directory` holding
    /// the typed rows of `base` (nil: none).
    static func applyRate(_ changesets: [Changeset], directory: String, base: String? = nil) throws -> Double {
        let connection = try replica(directory, name: "P2", base: base)
        let begin = monotonicSeconds()
        for changeset in changesets {
            try connection.check(
                kct_changeset_apply(connection.handle, changeset.size, changeset.bytes), "sqlite3changeset_apply")
        }
        let elapsed = monotonicSeconds() - begin
        return Double(changesets.reduce(0) { $0 + $1.rows }) / elapsed
    }
}
