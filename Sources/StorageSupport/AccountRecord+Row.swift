import GRDB
import SyncCore

extension AccountRecord {
    /// An account from a row of an `accounts` table (central's or a workstation's); `created_at`
    /// is read when the row has it.
    package init(row: Row) throws(CorruptStoredValue) {
        let table = "accounts"
        self.init(
            email: try row.value("email", table: table), name: try row.value("name", table: table),
            role: try row.value("role", table: table, as: StaffRole.self),
            disabled: try row.value("disabled", table: table), version: try row.value("version", table: table),
            createdAt: row.hasColumn("created_at") ? try row.value("created_at", table: table) : nil,
            updatedAt: try row.value("updated_at", table: table))
    }
}
