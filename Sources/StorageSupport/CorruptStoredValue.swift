import GRDB

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

extension Row {
    /// The value of `column` as `Value`. GRDB's non-optional subscript traps on a value that does
    /// not convert (NULL where a value is needed, a negative HLC); this throws instead.
    package func value<Value: DatabaseValueConvertible>(
        _ column: String, table: String, as type: Value.Type = Value.self
    ) throws(CorruptStoredValue) -> Value {
        do { return try decode(Value.self, forColumn: column) } catch { throw corrupt(column, table: table) }
    }

    /// As above, through GRDB's faster path for SQLite's own column types (String, Int64, …).
    package func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(
        _ column: String, table: String, as type: Value.Type = Value.self
    ) throws(CorruptStoredValue) -> Value {
        do { return try decode(Value.self, forColumn: column) } catch { throw corrupt(column, table: table) }
    }

    private func corrupt(_ column: String, table: String) -> CorruptStoredValue {
        let stored: DatabaseValue = self[column] ?? .null
        return CorruptStoredValue(table: table, column: column, value: stored.description)
    }

    /// A text column holding one of `Value`'s raw values (a status, a role, a priority).
    package func value<Value: RawRepresentable>(
        _ column: String, table: String, as type: Value.Type = Value.self
    ) throws(CorruptStoredValue) -> Value where Value.RawValue == String {
        let raw: String = try value(column, table: table)
        guard let parsed = Value(rawValue: raw) else {
            throw CorruptStoredValue(table: table, column: column, value: raw)
        }
        return parsed
    }

    /// As `value(_:table:as:)`, NULL being nil.
    package func optionalValue<Value: RawRepresentable>(
        _ column: String, table: String, as type: Value.Type = Value.self
    ) throws(CorruptStoredValue) -> Value? where Value.RawValue == String {
        let stored: String? = try value(column, table: table)
        guard let raw = stored else { return nil }
        guard let parsed = Value(rawValue: raw) else {
            throw CorruptStoredValue(table: table, column: column, value: raw)
        }
        return parsed
    }
}
