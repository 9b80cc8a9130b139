import CSQLite
import Foundation
import Store

/// Raw SQLite through the C API: the baseline a wrapper-free program would get.
final class RawSQLiteBaseline {
    /// Rows shaped and sized like the Store's `orders` row and `order_status_history` row.
    enum RowShape {
        case order, history

        var createTable: String {
            switch self {
            case .order:
                """
                CREATE TABLE rows (local_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, order_number TEXT NOT NULL
                  UNIQUE,
                  customer_name TEXT, customer_email TEXT, customer_phone TEXT, status TEXT, priority TEXT, currency
                    TEXT,
                  subtotal_amount INTEGER, tax_amount INTEGER, shipping_amount INTEGER, total_amount INTEGER,
                  created_at TEXT, created_by TEXT, updated_at TEXT)
                """
            case .history:
                """
                CREATE TABLE rows (id TEXT PRIMARY KEY NOT NULL, order_id TEXT NOT NULL, from_status TEXT, to_status
                  TEXT,
                  changed_by TEXT, changed_at TEXT, note TEXT, duration_in_previous_seconds INTEGER, hlc INTEGER,
                    node_id TEXT)
                """
            }
        }

        var insert: String {
            switch self {
            case .order:
                "INSERT INTO rows VALUES (NULL, ?, ?, 'Jane Doe', 'jane.doe@example.com', '+1 555 010 0100', "
                    + "'pending_payment', 'wedding_party', 'USD', 89900, 8450, 1500, 99850, "
                    + "'2026-11-25T14:15:00.123Z', 'bench', '2026-11-25T14:15:00.123Z')"
            case .history:
                "INSERT INTO rows VALUES (?, ?, 'pending_payment', 'payment_confirmed', 'bench', "
                    + "'2026-11-25T14:15:00.123Z', 'paid by card', 12, 117648392519680000, "
                    + "'6f1c2a7e-3b9d-4c1e-9f5a-2d8b7e4c1a90')"
            }
        }

        /// The two text values bound per row: a UUID and an order number or order id.
        func values(_ index: Int) -> (String, String) {
            let id = RowID.make()
            switch self {
            case .order:
                return (
                    id, "BENCH-B1-" + String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index)
                )
            case .history: return (id, RowID.make())
            }
        }
    }

    private let connection: RawConnection
    private var insertStatement: OpaquePointer?
    private var begin: OpaquePointer?
    private var commit: OpaquePointer?

    private let shape: RowShape

    init(path: String, shape: RowShape) throws {
        self.shape = shape
        connection = try RawConnection(path: path, vfs: "unix")
        // The Store's page size and checkpoint interval, so only the work per edit differs.
        let pragmas = [
            "PRAGMA page_size = \(OrderStore.pageSize)", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
            "PRAGMA wal_autocheckpoint = \(OrderStore.walAutocheckpointPages)", shape.createTable,
        ]
        for pragma in pragmas { try connection.execute(pragma) }
        insertStatement = try connection.prepare(shape.insert)
        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
    }

    deinit {
        // Each statement is finalized exactly once, before the connection closes.
        sqlite3_finalize(insertStatement)
        sqlite3_finalize(begin)
        sqlite3_finalize(commit)
    }

    /// One durable transaction holding one insert.
    func insert(index: Int) throws {
        try connection.step(begin, "begin")
        try insertRow(index)
        try connection.step(commit, "commit")
    }

    /// One durable transaction holding `range.count` inserts: the baseline for work that is
    /// batched into one transaction (a pushed batch, a pulled page).
    func insertBatch(_ range: Range<Int>) throws {
        try connection.step(begin, "begin")
        for index in range { try insertRow(index) }
        try connection.step(commit, "commit")
    }

    private func insertRow(_ index: Int) throws {
        let (first, second) = shape.values(index)
        try connection.check(sqlite3_bind_text(insertStatement, 1, first, -1, kct_sqlite_transient()), "bind")
        try connection.check(sqlite3_bind_text(insertStatement, 2, second, -1, kct_sqlite_transient()), "bind")
        try connection.step(insertStatement, "insert")
    }
}
