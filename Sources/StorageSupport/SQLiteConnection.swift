import Foundation
import GRDB
import GRDBSQLite

/// Central's `SQLConnection` on SQLite: a GRDB `Database` inside one of the pool's accesses.
/// Statements come from GRDB's per-connection statement cache, so each text is prepared once.
package struct SQLiteConnection: SQLConnection {
    package let db: Database

    package init(_ db: Database) { self.db = db }

    package var dialect: SQLDialect { .sqlite }

    @discardableResult
    package func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try run(try db.cachedStatement(sql: sql), arguments)
        return db.changesCount
    }

    package func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Bool) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLColumns(statement.columnNames)
        let rows = try Row.fetchCursor(statement, arguments: StatementArguments(arguments.map { $0.databaseValue }))
        while let row = try rows.next() {
            let values = (0..<columns.names.count).map { (row[$0] as DatabaseValue).sqlValue }
            guard try body(SQLRow(columns: columns, values: values)) else { return }
        }
    }

    package func executeMany(_ sql: String, _ argumentLists: [[SQLValue]]) throws {
        guard !argumentLists.isEmpty else { return }
        let statement = try db.cachedStatement(sql: sql)
        for arguments in argumentLists { try run(statement, arguments) }
    }

    package func executeScript(_ sql: String) throws { try db.execute(sql: sql) }

    /// Binds `values` straight to the prepared statement and steps it to its end, binding each
    /// value as GRDB does (texts and blobs copied). Not `Statement.execute(arguments:)`: its
    /// conversion of every value to a `DatabaseValue` and its checks and temporary bindings were
    /// ~10% of a push's CPU at central, where every row, log entry, outcome and audit row comes
    /// through here. What it skips is GRDB's bookkeeping for transaction observers and schema
    /// changes, which central's data statements have none of.
    private func run(_ statement: Statement, _ values: [SQLValue]) throws {
        let handle = statement.sqliteStatement
        // Its result repeats the last step's error, reported when that step failed.
        sqlite3_reset(handle)
        defer { sqlite3_clear_bindings(handle) }
        let expected = sqlite3_bind_parameter_count(handle)
        guard expected == CInt(values.count) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "wrong number of statement arguments: \(values.count) for \(expected)",
                sql: statement.sql)
        }
        for (index, value) in zip(CInt(1)..., values) {
            let code: CInt
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                // By its byte count, not up to a NUL: a text may hold one.
                var text = text
                code = text.withUTF8 { bytes in
                    sqlite3_bind_text(handle, index, bytes.baseAddress, CInt(bytes.count), Self.transient)
                }
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, index, bytes.baseAddress, CInt(bytes.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw failure(code, statement) }
        }
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else { throw failure(code, statement) }
        sqlite3_reset(handle)
    }

    private func failure(_ code: CInt, _ statement: Statement) -> DatabaseError {
        let connection = db.sqliteConnection
        return DatabaseError(
            resultCode: ResultCode(rawValue: connection.map { sqlite3_extended_errcode($0) } ?? code),
            message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: statement.sql)
    }

    /// SQLite copies the value before the bind returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
