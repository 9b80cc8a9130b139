import GRDB
import GRDBSQLite

extension Statement {
    /// Binds values already converted and steps the statement to its end: the merge's per-row
    /// upserts at a node and every statement of central on SQLite (`SQLiteConnection`). GRDB's
    /// `execute(arguments:)` first builds `StatementArguments`, whose inits map every value
    /// through an existential or a key path, then validates and binds them in nested closures:
    /// 15–20% of a pull page's CPU and ~14% of a push's at central in profiles (BENCHMARKS.md,
    /// Session 9).
    ///
    /// Only for writes whose connection has no transaction observer and changes no schema,
    /// where GRDB's per-statement bookkeeping has nothing to do. GRDB resets and rebinds a
    /// cached statement before each of its own executions, so the same statement may be run by
    /// either; a failed one is reset here and may be run again.
    package func execute(binding values: [DatabaseValue]) throws {
        let handle = sqliteStatement
        // Its result repeats the last step's error, reported when that step failed.
        sqlite3_reset(handle)
        defer { sqlite3_clear_bindings(handle) }
        let expected = sqlite3_bind_parameter_count(handle)
        guard expected == CInt(values.count) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "wrong number of statement arguments: \(values.count) for \(expected)",
                sql: sql)
        }
        for (index, value) in zip(CInt(1)..., values) {
            let code = Self.bind(value, to: handle, at: index)
            guard code == SQLITE_OK else { throw failure(code) }
        }
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else { throw failure(code) }
        sqlite3_reset(handle)
    }

    /// As GRDB binds, except that a text is bound by its byte count, not up to a NUL it may hold.
    private static func bind(_ value: DatabaseValue, to handle: SQLiteStatement, at index: CInt) -> CInt {
        switch value.storage {
        case .null: return sqlite3_bind_null(handle, index)
        case .int64(let number): return sqlite3_bind_int64(handle, index, number)
        case .double(let number): return sqlite3_bind_double(handle, index, number)
        case .string(let text):
            var text = text
            return text.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, CInt($0.count), transient) }
        case .blob(let data):
            return data.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), transient) }
        }
    }

    private func failure(_ code: CInt) -> DatabaseError {
        let connection = sqlite3_db_handle(sqliteStatement)
        return DatabaseError(
            resultCode: ResultCode(rawValue: connection.map { sqlite3_extended_errcode($0) } ?? code),
            message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }

    /// SQLITE_TRANSIENT (a macro Swift cannot import): SQLite copies the value before the bind returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
