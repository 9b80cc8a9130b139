import Foundation

/// A value bound to a statement or read from a row, the same for every central backend (SQLite
/// through GRDB, PostgreSQL through libpq). Integers are 64-bit on both; a blob is PostgreSQL's
/// bytea.
package enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift type stored in one column.
package protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
    /// nil when `value` is not one of this type (a NULL, a text where a number was written).
    init?(sqlValue value: SQLValue)
}

extension SQLValue: SQLValueConvertible {
    package var sqlValue: SQLValue { self }
    package init?(sqlValue value: SQLValue) { self = value }
}

extension Int64: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self) }
    package init?(sqlValue value: SQLValue) {
        guard case .integer(let stored) = value else { return nil }
        self = stored
    }
}

extension Int: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(Int64(self)) }
    package init?(sqlValue value: SQLValue) {
        guard case .integer(let stored) = value, let converted = Int(exactly: stored) else { return nil }
        self = converted
    }
}

/// Booleans are stored as 0 and 1 in integer columns on both backends, so one SQL text serves both.
extension Bool: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    package init?(sqlValue value: SQLValue) {
        guard case .integer(let stored) = value else { return nil }
        self = stored != 0
    }
}

extension Double: SQLValueConvertible {
    package var sqlValue: SQLValue { .real(self) }
    package init?(sqlValue value: SQLValue) {
        switch value {
        case .real(let stored): self = stored
        case .integer(let stored): self = Double(stored)
        default: return nil
        }
    }
}

extension String: SQLValueConvertible {
    package var sqlValue: SQLValue { .text(self) }
    package init?(sqlValue value: SQLValue) {
        guard case .text(let stored) = value else { return nil }
        self = stored
    }
}

extension Data: SQLValueConvertible {
    package var sqlValue: SQLValue { .blob(self) }
    package init?(sqlValue value: SQLValue) {
        guard case .blob(let stored) = value else { return nil }
        self = stored
    }
}

/// NULL is nil; any other value must convert to `Wrapped`.
extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    package var sqlValue: SQLValue { self?.sqlValue ?? .null }
    package init?(sqlValue value: SQLValue) {
        if case .null = value {
            self = .none
            return
        }
        guard let wrapped = Wrapped(sqlValue: value) else { return nil }
        self = .some(wrapped)
    }
}

extension SQLValue: CustomStringConvertible {
    package var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): "'\(value)'"
        case .blob(let bytes): "x'" + bytes.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
