import Foundation
import GRDB

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

    /// Straight onto the statement (`Statement.execute(binding:)`): GRDB's `StatementArguments`
    /// were ~14% of a push's CPU at central, where every row, log entry, outcome and audit row
    /// comes through here.
    private func run(_ statement: Statement, _ values: [SQLValue]) throws {
        try statement.execute(binding: values.map(\.databaseValue))
    }
}
