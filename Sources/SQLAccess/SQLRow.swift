/// A stored value that does not read back as what was written (a hand-edited or corrupt file).
/// The Store and central map it to their own `corruptValue` errors.
package struct CorruptStoredValue: Error, Sendable, CustomStringConvertible {
    package let table: String
    package let column: String
    package let value: String

    package init(table: String, column: String, value: String) {
        self.table = table
        self.column = column
        self.value = value
    }

    package var description: String { "unreadable value '\(value)' in \(table).\(column)" }
}

/// The column names of one statement's result, shared by its rows.
package final class SQLColumns: Sendable {
    package let names: [String]
    private let indexes: [String: Int]

    package init(_ names: [String]) {
        self.names = names
        var indexes: [String: Int] = [:]
        // The first of two equal names wins, as in SQLite's and GRDB's lookups.
        for (index, name) in names.enumerated() where indexes[name] == nil { indexes[name] = index }
        self.indexes = indexes
    }

    package func index(of name: String) -> Int? { indexes[name] }
}

/// One result row of a central statement, on either backend.
package struct SQLRow: Sendable {
    package let columns: SQLColumns
    package let values: [SQLValue]

    package init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    package subscript(index: Int) -> SQLValue { values[index] }

    /// The value of `column`; NULL for a column the row does not have.
    package subscript(column: String) -> SQLValue {
        columns.index(of: column).map { values[$0] } ?? .null
    }

    package func hasColumn(_ column: String) -> Bool { columns.index(of: column) != nil }
}

extension SQLRow: ColumnReading {
    package func read<Value: SQLValueConvertible>(_ column: String, table: String, as type: Value.Type)
        throws(CorruptStoredValue) -> Value
    {
        let stored = self[column]
        guard let value = Value(sqlValue: stored) else {
            throw CorruptStoredValue(table: table, column: column, value: stored.description)
        }
        return value
    }

    /// By position, for statements whose columns are known by order (a pull page's three).
    package func read<Value: SQLValueConvertible>(at index: Int, table: String, as type: Value.Type = Value.self)
        throws(CorruptStoredValue) -> Value
    {
        let stored = values[index]
        guard let value = Value(sqlValue: stored) else {
            throw CorruptStoredValue(table: table, column: columns.names[index], value: stored.description)
        }
        return value
    }
}

/// What decoders shared by the node's Store (GRDB rows) and central (`SQLRow`s of either backend)
/// read a row through: one decoder per stored shape (status moves, accounts, row merge state).
package protocol ColumnReading {
    /// The value of `column` as `Value`; a value that does not convert (NULL where a value is
    /// needed, text where a number was written) throws instead of trapping.
    func read<Value: SQLValueConvertible>(_ column: String, table: String, as type: Value.Type)
        throws(CorruptStoredValue) -> Value
    func hasColumn(_ column: String) -> Bool
}

extension ColumnReading {
    package func read<Value: SQLValueConvertible>(_ column: String, table: String) throws(CorruptStoredValue)
        -> Value
    {
        try read(column, table: table, as: Value.self)
    }

    /// A text column holding one of `Value`'s raw values (a status, a role, a priority).
    package func read<Value: RawRepresentable>(_ column: String, table: String, as type: Value.Type = Value.self)
        throws(CorruptStoredValue) -> Value where Value.RawValue == String
    {
        let raw = try read(column, table: table, as: String.self)
        guard let parsed = Value(rawValue: raw) else {
            throw CorruptStoredValue(table: table, column: column, value: raw)
        }
        return parsed
    }

    /// As `read(_:table:as:)`, NULL being nil.
    package func readOptional<Value: RawRepresentable>(
        _ column: String, table: String, as type: Value.Type = Value.self
    ) throws(CorruptStoredValue) -> Value? where Value.RawValue == String {
        guard let raw = try read(column, table: table, as: String?.self) else { return nil }
        guard let parsed = Value(rawValue: raw) else {
            throw CorruptStoredValue(table: table, column: column, value: raw)
        }
        return parsed
    }
}
