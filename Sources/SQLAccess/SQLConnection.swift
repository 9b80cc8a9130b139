/// Which SQL a connection speaks where the two backends differ. Central's statements are written
/// once in the SQL both accept (`?` placeholders, `INSERT … ON CONFLICT`, integer 0/1 flags); the
/// few places that differ (JSON paths into stored JSON, schema scripts) ask the dialect.
package enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The text at `path` (object keys) inside the JSON text `column`, or NULL.
    package func jsonText(_ column: String, _ path: String...) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(path.joined(separator: "."))')"
        case .postgres: "(\(column)::jsonb #>> '{\(path.joined(separator: ","))}')"
        }
    }

    /// The integer at `path` inside the JSON text `column`, or NULL.
    package func jsonInteger(_ column: String, _ path: String...) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(path.joined(separator: "."))')"
        case .postgres: "((\(column)::jsonb #>> '{\(path.joined(separator: ","))}')::bigint)"
        }
    }
}

/// One connection of central's database inside a transaction (`CentralDatabase.read`/`write`),
/// on either backend. Statements take `?` placeholders; a backend prepares each distinct text
/// once per connection. Errors are the backend's own (GRDB's `DatabaseError`, `PostgresError`);
/// central maps them at its boundary (`CentralError.wrap`).
package protocol SQLConnection {
    var dialect: SQLDialect { get }

    /// Runs one statement; returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int

    /// Runs one statement, handing each result row to `body` until it returns false; rows are
    /// read as they come where the backend can (SQLite steps its statement).
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Bool) throws

    /// Runs one statement once per argument list, in order: a push's rows, log entries and
    /// outcomes. PostgreSQL sends them as one pipeline instead of a round trip each.
    func executeMany(_ sql: String, _ argumentLists: [[SQLValue]]) throws

    /// Inserts `rows` (each in `insert.columns` order), in order. PostgreSQL puts several rows in
    /// each statement (fewer statements, far less server time per row); SQLite runs one
    /// prepared statement per row, which costs it nothing more in process.
    func insertMany(_ insert: SQLInsert, _ rows: [[SQLValue]]) throws

    /// Runs a script of statements without arguments (schema migrations).
    func executeScript(_ sql: String) throws
}

extension SQLConnection {
    package func insertMany(_ insert: SQLInsert, _ rows: [[SQLValue]]) throws {
        try executeMany(insert.sql(rows: 1), rows)
    }

    @discardableResult
    package func execute(_ sql: String, _ arguments: SQLValueConvertible?...) throws -> Int {
        try execute(sql, arguments.map { $0?.sqlValue ?? .null })
    }

    package func fetchAll(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, arguments) { row in
            rows.append(row)
            return true
        }
        return rows
    }

    package func fetchOne(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        var first: SQLRow?
        try forEachRow(sql, arguments) { row in
            first = row
            return false
        }
        return first
    }

    /// The first column of the first row as `Value`; nil when there is no row or it is NULL.
    /// A value of another type is a `CorruptStoredValue`.
    package func fetchValue<Value: SQLValueConvertible>(
        _ sql: String, _ arguments: [SQLValue] = [], as type: Value.Type = Value.self
    ) throws -> Value? {
        guard let row = try fetchOne(sql, arguments), !row.values.isEmpty else { return nil }
        return try row.read(at: 0, table: "result", as: Value?.self)
    }

    /// The first column of every row.
    package func fetchValues<Value: SQLValueConvertible>(
        _ sql: String, _ arguments: [SQLValue] = [], as type: Value.Type = Value.self
    ) throws -> [Value] {
        var values: [Value] = []
        try forEachRow(sql, arguments) { row in
            values.append(try row.read(at: 0, table: "result", as: Value.self))
            return true
        }
        return values
    }
}
