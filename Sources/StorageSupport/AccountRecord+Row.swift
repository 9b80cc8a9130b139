import SQLAccess
import SyncCore

extension AccountRecord {
    /// An account from a row of an `accounts` table (central's `SQLRow`s or a workstation's GRDB
    /// rows); `created_at` is read when the row has it.
    package init(row: some ColumnReading) throws(CorruptStoredValue) {
        let table = "accounts"
        self.init(
            email: try row.read("email", table: table), name: try row.read("name", table: table),
            role: try row.read("role", table: table, as: StaffRole.self),
            disabled: try row.read("disabled", table: table), version: try row.read("version", table: table),
            createdAt: row.hasColumn("created_at") ? try row.read("created_at", table: table) : nil,
            updatedAt: try row.read("updated_at", table: table))
    }
}
