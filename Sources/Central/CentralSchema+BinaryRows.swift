import Foundation
import GRDB
import StorageSupport
import SyncCore

extension CentralSchema {
    /// Stores made before 2026-12-07 kept each row of `rows` as SyncCore's JSON wire form; the
    /// one stored form of a row's merge state is now `RowStateCodec`'s binary layout, as on the
    /// nodes. Rewrites the JSON rows, a bounded batch at a time (a row already binary is left).
    static func convertRowsToBinary(_ db: Database) throws {
        let batch = try db.makeStatement(
            sql: """
                SELECT entity, row_id, order_id, fields, appended, tombstone FROM rows
                WHERE typeof(fields) = 'text' LIMIT 1000
                """)
        let update = try db.makeStatement(
            sql: "UPDATE rows SET fields = ?, appended = ?, tombstone = ? WHERE entity = ? AND row_id = ?")
        while true {
            let rows = try Row.fetchAll(batch)
            if rows.isEmpty { return }
            for row in rows {
                let state = try legacyRowState(row)
                let stored = RowStateCodec.columns(of: state)
                try update.execute(arguments: [
                    stored.fields, stored.appended, stored.tombstone, state.entity.rawValue, state.rowID,
                ])
            }
        }
    }

    /// A row as the JSON wire form stored it: `fields` an object of `StampedValue.wire`,
    /// `appended` / `tombstone` one each.
    private static func legacyRowState(_ row: Row) throws -> RowState {
        let entity = try row.value("entity", table: "rows", as: EntityKind.self)
        var state = RowState(
            entity: entity, rowID: try row.value("row_id", table: "rows"),
            orderID: try row.value("order_id", table: "rows"))
        func stamped(_ text: String, column: String) throws -> StampedValue {
            do { return try StampedValue(wire: try JSONValue.parse(text), path: column) } catch {
                throw CorruptStoredValue(table: "rows", column: column, value: text)
            }
        }
        let fieldsText: String = try row.value("fields", table: "rows")
        guard case .object(let members)? = try? JSONValue.parse(fieldsText) else {
            throw CorruptStoredValue(table: "rows", column: "fields", value: fieldsText)
        }
        for (name, value) in members {
            do { state.fields[name] = try StampedValue(wire: value, path: "fields") } catch {
                throw CorruptStoredValue(table: "rows", column: "fields", value: fieldsText)
            }
        }
        if let text: String = try row.value("appended", table: "rows") {
            state.appended = try stamped(text, column: "appended")
        }
        if let text: String = try row.value("tombstone", table: "rows") {
            state.tombstone = try stamped(text, column: "tombstone")
        }
        return state
    }
}
