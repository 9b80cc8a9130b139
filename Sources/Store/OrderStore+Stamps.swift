import GRDB
import StorageSupport
import SyncCore

extension OrderStore {
    /// The stamp of one synced field: its `field_stamps` entry if it was set after the row was
    /// created, else the row's `row_stamps` entry; nil for a row this replica never wrote.
    /// This is the value last-writer-wins compares an incoming change against.
    static func fieldStamp(_ db: Database, entity: EntityKind, rowID: String, field: String) throws -> HLCStamp? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT 0 AS precedence, hlc, node_id FROM field_stamps WHERE entity = ?1 AND row_id = ?2 AND
                      field = ?3
                    UNION ALL
                    SELECT 1, hlc, node_id FROM row_stamps WHERE entity = ?1 AND row_id = ?2
                    ORDER BY precedence LIMIT 1
                    """),
            arguments: [entity.rawValue, rowID, field])
        guard let row else { return nil }
        return HLCStamp(hlc: try row.value("hlc", table: "field_stamps"), nodeID: row["node_id"])
    }

    /// `fieldStamp` in a read transaction.
    package func fieldStamp(entity: EntityKind, rowID: String, field: String) throws(StoreError) -> HLCStamp? {
        try read { db in try Self.fieldStamp(db, entity: entity, rowID: rowID, field: field) }
    }
}
