import GRDB
@_exported import SQLAccess

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

/// GRDB rows read by the decoders shared with central (`ColumnReading`).
extension Row: ColumnReading {
    package func read<Value: SQLValueConvertible>(_ column: String, table: String, as type: Value.Type)
        throws(CorruptStoredValue) -> Value
    {
        let stored: DatabaseValue = self[column] ?? .null
        guard let value = Value(sqlValue: stored.sqlValue) else {
            throw CorruptStoredValue(table: table, column: column, value: stored.description)
        }
        return value
    }
}

extension DatabaseValue {
    package var sqlValue: SQLValue {
        switch storage {
        case .null: .null
        case .int64(let value): .integer(value)
        case .double(let value): .real(value)
        case .string(let value): .text(value)
        case .blob(let value): .blob(value)
        }
    }
}

extension SQLValue {
    package var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }
}
