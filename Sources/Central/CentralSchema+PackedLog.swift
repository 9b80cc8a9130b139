import Foundation
import SQLAccess

extension CentralSchema {
    /// The log kept each change as its JSON text; it keeps it packed now (`LogChangeCodec`), and
    /// files entries under their shops from the push (`PushLedger.flush`) instead of a
    /// trigger that read the text. Copies the log into a table of the new form, entry by entry,
    /// a bounded batch at a time, then puts it in the old one's place; `displaced` is copied as it
    /// is. The same steps on both backends (`CentralPostgresSchema`'s migration of the same name).
    static func packLog(_ conn: any SQLConnection) throws {
        let binary = conn.dialect == .sqlite ? "BLOB" : "bytea"
        let integer = conn.dialect == .sqlite ? "INTEGER" : "bigint"
        try conn.executeScript(
            """
            \(conn.dialect == .sqlite
                ? "DROP TRIGGER log_shops_on_append;"
                : "DROP TRIGGER log_shops_on_append ON log; DROP FUNCTION log_shops_on_append();")
            CREATE TABLE log_packed (
              version \(integer) PRIMARY KEY,
              change \(binary) NOT NULL,
              displaced TEXT NOT NULL
            );
            """)
        let packer = try LogChangePacker()
        var after = Int64.min
        while true {
            var batch: [[SQLValue]] = []
            try conn.forEachRow(
                "SELECT version, change, displaced FROM log WHERE version > ? ORDER BY version LIMIT 1000",
                [.integer(after)]
            ) { row in
                after = try row.read(at: 0, table: "log", as: Int64.self)
                let text = try row.read(at: 1, table: "log", as: String.self)
                batch.append([.integer(after), .blob(try packer.pack(text.utf8)), row.values[2]])
                return true
            }
            if batch.isEmpty { break }
            try conn.insertMany(SQLInsert(into: "log_packed", columns: ["version", "change", "displaced"]), batch)
        }
        try conn.executeScript(
            "DROP TABLE log; ALTER TABLE log_packed RENAME TO log;"
                + (conn.dialect == .sqlite ? "" : " ALTER INDEX log_packed_pkey RENAME TO log_pkey;"))
    }
}
