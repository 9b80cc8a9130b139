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
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    package func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Bool) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLColumns(statement.columnNames)
        let rows = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        while let row = try rows.next() {
            let values = (0..<columns.names.count).map { row[$0] as DatabaseValue }.map(\.sqlValue)
            guard try body(SQLRow(columns: columns, values: values)) else { return }
        }
    }

    package func executeMany(_ sql: String, _ argumentLists: [[SQLValue]]) throws {
        guard !argumentLists.isEmpty else { return }
        let statement = try db.cachedStatement(sql: sql)
        for arguments in argumentLists { try statement.execute(arguments: Self.arguments(arguments)) }
    }

    package func executeScript(_ sql: String) throws { try db.execute(sql: sql) }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map(\.databaseValue))
    }
}
