import CPostgres
import Foundation
import SQLAccess

/// One libpq connection. Statements are prepared once per distinct text (named `s1`, `s2`…) and
/// executed with parameters; results are read in text format and typed by column type.
///
/// Not thread-safe: one thread uses it at a time (`PostgresPool` hands it out under a lock and
/// takes it back). The `PGconn` is finished exactly once, in `deinit`.
package final class PostgresConnection: @unchecked Sendable {
    // @unchecked Sendable: a connection moves between threads only through PostgresPool, which
    // gives it to one borrower at a time; nothing here is touched by two threads at once.

    private let handle: OpaquePointer
    /// Prepared statement names by their (`?`-placeholder) SQL text.
    private var prepared: [String: String] = [:]
    /// Distinct statements kept prepared per connection before they are all deallocated.
    package static let preparedLimit = 512

    /// Connects to `url` (`postgres://user@host:port/db` or a libpq key=value string).
    package init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(.connectionFailed, message: message)
        }
        self.handle = handle
        // Notices (e.g. "relation already exists, skipping") would go to stderr by default.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try executeScript("SET bytea_output = 'hex'; SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'")
    }

    deinit { PQfinish(handle) }

    /// Whether the connection still works; a broken one is dropped by the pool, never reused.
    package var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether a transaction is open (or failed and awaiting ROLLBACK) on this connection.
    package var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The socket, for an event loop to watch for notifications (`LISTEN`).
    package var socket: Int32 { PQsocket(handle) }

    /// The prepared statement for `sql`, preparing it on first use.
    func statementName(_ sql: String) throws(PostgresError) -> String {
        try statementNames([sql])[sql]!
    }

    /// The prepared statements for `sqls`, preparing those not prepared yet; all of them stay
    /// valid together (a DEALLOCATE to make room comes before any of them is prepared).
    func statementNames(_ sqls: Set<String>) throws(PostgresError) -> [String: String] {
        let missing = sqls.filter { prepared[$0] == nil }
        if !missing.isEmpty, prepared.count + missing.count > Self.preparedLimit {
            // Statements built from filters vary; the server keeps each one this session made.
            try executeScript("DEALLOCATE ALL")
            prepared.removeAll()
        }
        for sql in sqls where prepared[sql] == nil {
            let name = "s\(prepared.count + 1)"
            let (text, _) = PostgresPlaceholders.numbered(sql)
            let result = PQprepare(handle, name, text, 0, nil)
            defer { PQclear(result) }
            try check(result, sql: sql)
            prepared[sql] = name
        }
        var names: [String: String] = [:]
        for sql in sqls { names[sql] = prepared[sql] }
        return names
    }

    /// Runs the prepared `sql` with `arguments`; the result is cleared after `body` reads it.
    func withResult<T>(_ sql: String, _ arguments: [SQLValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        let name = try statementName(sql)
        let result = PostgresValues.withParameters(arguments) { count, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        return try body(result!)
    }

    /// `body` between `begin` (`BEGIN`, or `BEGIN` with an isolation level) and COMMIT; rolled
    /// back when it throws (unless the connection broke, when the server already rolled it back).
    package func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try executeScript(begin)
        do {
            let result = try body()
            try executeScript("COMMIT")
            return result
        } catch {
            if isUsable { try? executeScript("ROLLBACK") }
            throw error
        }
    }

    /// Throws unless `result` is a success; nil (out of memory, connection gone) is a failure.
    func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) {
        guard let result else { throw connectionError() }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE, PGRES_PIPELINE_SYNC:
            return
        default:
            if !isUsable { throw connectionError() }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
            throw PostgresError(
                .statement, sqlState: state,
                message: message.trimmingCharacters(in: .whitespacesAndNewlines) + " (in: \(sql.prefix(200)))")
        }
    }

    func connectionError() -> PostgresError {
        PostgresError(isUsable ? .statement : .connectionLost, message: Self.errorMessage(handle))
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        PQerrorMessage(handle).map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "unknown libpq error"
    }

    var rawHandle: OpaquePointer { handle }
}

extension PostgresConnection: SQLConnection {
    package var dialect: SQLDialect { .postgres }

    @discardableResult
    package func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try withResult(sql, arguments) { result in Int(String(cString: PQcmdTuples(result))) ?? 0 }
    }

    package func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Bool) throws {
        try withResult(sql, arguments) { result in
            let columnCount = PQnfields(result)
            let columns = SQLColumns((0..<columnCount).map { String(cString: PQfname(result, $0)) })
            let types = (0..<columnCount).map { PQftype(result, $0) }
            for row in 0..<PQntuples(result) {
                let values = (0..<columnCount).map { column in
                    PostgresValues.value(result, row: row, column: column, type: types[Int(column)])
                }
                guard try body(SQLRow(columns: columns, values: values)) else { return }
            }
        }
    }

    /// Several statements without parameters, in one round trip (the simple query protocol).
    package func executeScript(_ sql: String) throws(PostgresError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }
}
