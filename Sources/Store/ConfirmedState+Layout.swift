import Foundation
import GRDB
import StorageSupport
import SyncCore

/// How `confirmed_rows` keys a row, since `2026-12-09-confirmed-rows-by-order`: the primary key
/// is `(order_id, entity, row_id)`, so an order's rows are one range of the table and no second
/// b-tree by order is needed (it cost 316 bytes per synced one-item order). Every lookup knows the
/// order: a pulled or replied change carries its order id, and central refuses a change whose
/// order id is not its row's (`ChangeValidator`). Ids are the 16 bytes of a canonical UUID (any
/// other id stays text), as `RowStateCodec` stores node ids; the order's own row, whose id is the
/// order's, stores an empty `row_id`; `entity` is a one-byte code.
extension ConfirmedState {
    static let table = "confirmed_rows"

    /// The stored code of each entity. Stored in every row: never renumber one.
    static func entityCode(_ entity: EntityKind) -> Int64 {
        switch entity {
        case .order: 1
        case .orderItem: 2
        case .statusHistory: 3
        case .exception: 4
        case .communicationLog: 5
        case .claim: 6
        case .integrationRequest: 7
        }
    }

    private static let entitiesByCode = Dictionary(
        uniqueKeysWithValues: EntityKind.allCases.map { (entityCode($0), $0) })

    /// An id as stored: 16 bytes for a canonical UUID, the text otherwise.
    static func storedID(_ id: String) -> DatabaseValue {
        if let bytes = CanonicalUUID.bytes(of: id) { return Data(bytes).databaseValue }
        return id.databaseValue
    }

    private static func id(_ stored: DatabaseValue, column: String) throws(CorruptStoredValue) -> String {
        switch stored.storage {
        case .blob(let bytes) where bytes.count == 16: return bytes.withUnsafeBytes { CanonicalUUID.string(of: $0) }
        case .string(let text): return text
        default: throw CorruptStoredValue(table: table, column: column, value: stored.description)
        }
    }

    /// `order_id` as the order id's text, in SQL: for the SELECTs of order ids that are UNIONed
    /// with other tables' (not on the merge's path, which decodes in Swift).
    static let orderIDText = """
        CASE typeof(order_id) WHEN 'blob' THEN lower(substr(hex(order_id), 1, 8) || '-' || \
        substr(hex(order_id), 9, 4) || '-' || substr(hex(order_id), 13, 4) || '-' || \
        substr(hex(order_id), 17, 4) || '-' || substr(hex(order_id), 21)) ELSE order_id END
        """

    /// The key columns of `key` in `orderID`, in primary-key order.
    static func keyArguments(_ key: RowKey, orderID: String) -> [DatabaseValue] {
        [
            storedID(orderID), entityCode(key.entity).databaseValue,
            key.rowID == orderID ? Data().databaseValue : storedID(key.rowID),
        ]
    }

    /// The key and state of a row read with `columns`.
    static func decode(_ row: Row) throws(CorruptStoredValue) -> RowState {
        let code: Int64 = try row.value("entity", table: table)
        guard let entity = entitiesByCode[code] else {
            throw CorruptStoredValue(table: table, column: "entity", value: String(code))
        }
        let orderID = try id(row["order_id"] ?? .null, column: "order_id")
        let storedRowID: DatabaseValue = row["row_id"] ?? .null
        let rowID = storedRowID == Data().databaseValue ? orderID : try id(storedRowID, column: "row_id")
        return try RowStateCodec.decode(row, key: RowKey(entity, rowID), orderID: orderID, table: table)
    }
}
