import CSQLite

/// One connection through SQLite's C API, for baselines and peers that must run with no wrapper
/// in between. Statements it prepares are the caller's to finalize, before the connection goes.
final class RawConnection {
    /// A SQLite call that failed: its result code, SQLite's message, and what was being done.
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var operation: String
        var description: String { "sqlite \(operation) failed (\(code)): \(message)" }
    }

    private(set) var handle: OpaquePointer?

    /// Opens (creating) `path` through `vfs` (nil: the process's default VFS).
    init(path: String, vfs: String?) throws {
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs)
        try check(code, "open \(path)")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    func check(_ code: Int32, _ operation: String) throws {
        guard code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
            throw Failure(code: code, message: message, operation: operation)
        }
    }

    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql)
    }

    func prepare(_ sql: String) throws -> OpaquePointer? {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil), "prepare \(sql.prefix(40))")
        return statement
    }

    /// Runs a prepared statement to its end and resets it for the next use.
    func step(_ statement: OpaquePointer?, _ operation: String) throws {
        try check(sqlite3_step(statement), operation)
        try check(sqlite3_reset(statement), operation)
    }

    /// The first column of the first row of `sql`, as an integer.
    func integer(_ sql: String) throws -> Int64 {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        try check(sqlite3_step(statement), sql)
        return sqlite3_column_int64(statement, 0)
    }
}
