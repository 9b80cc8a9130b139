/// An `INSERT` of many rows into one table (`SQLConnection.insertMany`): the table, its columns
/// and what follows the `VALUES` (an `ON CONFLICT …` clause, or nothing). A backend may put
/// several rows in one statement, so the rows of one call must not meet the same conflict
/// target twice under `DO UPDATE` (PostgreSQL refuses to update a row twice in one statement);
/// `DO NOTHING` and plain inserts take any rows.
package struct SQLInsert: Sendable, Hashable {
    package let table: String
    package let columns: [String]
    package let conflictClause: String

    package init(into table: String, columns: [String], _ conflictClause: String = "") {
        precondition(!columns.isEmpty, "an INSERT needs a column")
        self.table = table
        self.columns = columns
        self.conflictClause = conflictClause
    }

    /// The statement for `rows` rows: `INSERT INTO table (columns) VALUES (?, …), (?, …) clause`.
    package func sql(rows: Int) -> String {
        precondition(rows > 0, "an INSERT needs a row")
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let values = Array(repeating: row, count: rows).joined(separator: ", ")
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(values)"
        return conflictClause.isEmpty ? head : head + " " + conflictClause
    }
}
