import GRDB
import GRDBSQLite

extension Statement {
    /// Binds values already converted and steps the statement to its end: the merge's per-row
    /// upserts. GRDB's `execute(arguments:)` first builds `StatementArguments`, whose inits map
    /// every value through an existential or a key path, then validates and binds them in
    /// nested closures: 15–20% of a pull page's CPU in a profile (BENCHMARKS.md, Session 9).
    ///
    /// Only for writes inside the Store's own transactions, where GRDB's per-statement
    /// bookkeeping (transaction observers, of which the Store has none; `BEGIN`/`COMMIT`
    /// tracking) has nothing to do. GRDB resets and rebinds a cached statement before each of
    /// its own executions, so the same statement may be run by either.
    func execute(binding values: [DatabaseValue]) throws {
        precondition(values.count == Int(sqlite3_bind_parameter_count(sqliteStatement)), "\(sql): argument count")
        sqlite3_reset(sqliteStatement)
        for (index, value) in values.enumerated() {
            let code = value.bind(to: sqliteStatement, at: CInt(index + 1))
            guard code == SQLITE_OK else { throw failure(code) }
        }
        defer {
            sqlite3_reset(sqliteStatement)
            sqlite3_clear_bindings(sqliteStatement)
        }
        while true {
            switch sqlite3_step(sqliteStatement) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw failure(code)
            }
        }
    }

    private func failure(_ code: CInt) -> DatabaseError {
        let connection = sqlite3_db_handle(sqliteStatement)
        return DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }, sql: sql)
    }
}
