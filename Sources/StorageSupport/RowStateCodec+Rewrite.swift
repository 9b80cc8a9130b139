import Foundation
import GRDB
import SyncCore

extension RowStateCodec {
    /// Rewrites every row of `table` (central's `rows` or a node's `confirmed_rows`) still in the
    /// layout before 2026-12-08 into the compact one, a bounded batch at a time. The decoded state
    /// is the same; only its bytes change. A row already compact is left as it is.
    package static func rewriteLegacyRows(_ db: Database, table: String) throws {
        let batch = try db.makeStatement(
            sql: """
                SELECT entity, row_id, order_id, fields, appended, tombstone FROM \(table)
                WHERE substr(fields, 1, 1) <> x'FE' LIMIT 1000
                """)
        let update = try db.makeStatement(
            sql: "UPDATE \(table) SET fields = ?, appended = ?, tombstone = ? WHERE entity = ? AND row_id = ?")
        while true {
            let rows = try Row.fetchAll(batch)
            if rows.isEmpty { return }
            for row in rows {
                let key = RowKey(
                    try row.value("entity", table: table, as: EntityKind.self), try row.value("row_id", table: table))
                let state = try decode(row, key: key, table: table)
                let stored = columns(of: state)
                try update.execute(arguments: [
                    stored.fields, stored.appended, stored.tombstone, key.entity.rawValue, key.rowID,
                ])
            }
        }
    }
}
