import Foundation
import GRDB
import StorageSupport
import SyncCore

extension ReplicaMigrations {
    /// `confirmed_rows` clustered by order (`ConfirmedState+Layout.swift` says why): the rows are
    /// copied, their keys re-encoded and their states byte for byte, into a table with the new
    /// key; the old table goes with its by-order index.
    static func clusterConfirmedRowsByOrder(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE confirmed_rows RENAME TO confirmed_rows_by_entity;
                -- One confirmed row: `fields` maps each stored field to its value and the change that
                -- wrote it; `appended` / `tombstone` are the stamps of the creating append and the delete.
                -- Encoded by RowStateCodec (StorageSupport), as central's rows. Keyed by order, then a
                -- one-byte entity code, then the row id; ids are 16 bytes for a UUID: ConfirmedState+Layout.
                CREATE TABLE confirmed_rows (
                  order_id BLOB NOT NULL,
                  entity INTEGER NOT NULL,
                  row_id BLOB NOT NULL,
                  fields BLOB NOT NULL,
                  appended BLOB,
                  tombstone BLOB,
                  PRIMARY KEY (order_id, entity, row_id)
                ) WITHOUT ROWID;
                """)
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO confirmed_rows (order_id, entity, row_id, fields, appended, tombstone)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        let old = "confirmed_rows_by_entity"
        let rows = try Row.fetchCursor(
            db, sql: "SELECT entity, row_id, order_id, fields, appended, tombstone FROM \(old) ORDER BY order_id")
        // (A UUID's text sorts as its bytes: the new table is written in key order.)
        while let row = try rows.next() {
            let key = RowKey(
                try row.value("entity", table: old, as: EntityKind.self), try row.value("row_id", table: old))
            let orderID: String = try row.value("order_id", table: old)
            let state: [DatabaseValue] = [row["fields"], row["appended"], row["tombstone"]]
            try insert.execute(
                arguments: StatementArguments(ConfirmedState.keyArguments(key, orderID: orderID) + state))
        }
        try db.execute(sql: "DROP TABLE \(old)")
        // `kct sync status` lists the orders with requests to providers: those rows are few, and
        // without an index of their own finding them would read every confirmed row.
        try db.execute(
            sql: """
                CREATE INDEX confirmed_rows_integration_requests ON confirmed_rows (order_id)
                WHERE entity = \(ConfirmedState.entityCode(.integrationRequest))
                """)
    }
}
