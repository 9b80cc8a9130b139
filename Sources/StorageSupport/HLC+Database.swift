import GRDB
import SyncCore

/// An HLC in an INTEGER column: its packed 64 bits, which the protocol keeps within
/// `1...Int64.max`, so the stored integer is never negative. A negative or non-integer stored
/// value does not convert (`Row.value(_:table:)` and `ColumnReading.read` report it as a
/// `CorruptStoredValue`).
extension HLC: DatabaseValueConvertible {
    package var databaseValue: DatabaseValue { Int64(bitPattern: packed).databaseValue }

    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> HLC? {
        guard case .int64(let stored) = dbValue.storage, stored >= 0 else { return nil }
        return HLC(packed: UInt64(stored))
    }
}

/// The same stored form for central's statements on either backend.
extension HLC: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(Int64(bitPattern: packed)) }

    package init?(sqlValue value: SQLValue) {
        guard case .integer(let stored) = value, stored >= 0 else { return nil }
        self.init(packed: UInt64(stored))
    }
}
