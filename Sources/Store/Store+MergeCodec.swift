import Foundation
import GRDB
import OrderDomain
import SyncCore

/// The stored form of a confirmed row's parts: SyncCore's own wire form of `StampedValue`
/// (value, hlc, node, sequence, version), as canonical JSON bytes.
enum ConfirmedRowCodec {
    static func encode(fields: [String: StampedValue]) -> [UInt8] {
        JSONValue.object(fields.mapValues(\.wire)).canonicalBytes
    }

    static func encode(_ value: StampedValue) -> [UInt8] { value.wire.canonicalBytes }

    static func decodeFields(_ bytes: [UInt8]) throws -> [String: StampedValue] {
        guard case .object(let object) = try parse(bytes) else { throw corrupt(bytes) }
        var fields: [String: StampedValue] = [:]
        fields.reserveCapacity(object.count)
        for (name, value) in object {
            do { fields[name] = try StampedValue(wire: value, path: name) } catch { throw corrupt(bytes) }
        }
        return fields
    }

    static func decodeStamp(_ bytes: [UInt8]) throws -> StampedValue {
        do { return try StampedValue(wire: try parse(bytes), path: "") } catch { throw corrupt(bytes) }
    }

    private static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch { throw corrupt(bytes) }
    }

    private static func corrupt(_ bytes: [UInt8]) -> StoreError {
        .corruptValue(table: "confirmed_rows", column: "fields", value: String(decoding: bytes.prefix(80), as: UTF8.self))
    }
}

/// Reading and writing the confirmed replica (`confirmed_rows`, `confirmed_status_moves`).
enum ConfirmedState {
    static func row(_ db: Database, _ key: RowKey) throws -> RowState? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT order_id, fields, appended, tombstone FROM confirmed_rows WHERE entity = ? AND row_id = ?"),
            arguments: [key.entity.rawValue, key.rowID])
        else { return nil }
        return try decode(row, key: key)
    }

    static func rows(_ db: Database, orderID: String) throws -> [RowKey: RowState] {
        var rows: [RowKey: RowState] = [:]
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT entity, row_id, order_id, fields, appended, tombstone FROM confirmed_rows WHERE order_id = ?"),
            arguments: [orderID])
        while let row = try cursor.next() {
            let key = RowKey(try Decode.value(EntityKind.self, row, "entity", table: "confirmed_rows"), row["row_id"])
            rows[key] = try decode(row, key: key)
        }
        return rows
    }

    private static func decode(_ row: Row, key: RowKey) throws -> RowState {
        var state = RowState(entity: key.entity, rowID: key.rowID, orderID: row["order_id"])
        let fields: Data = row["fields"]
        state.fields = try ConfirmedRowCodec.decodeFields([UInt8](fields))
        if let appended: Data = row["appended"] { state.appended = try ConfirmedRowCodec.decodeStamp([UInt8](appended)) }
        if let tombstone: Data = row["tombstone"] { state.tombstone = try ConfirmedRowCodec.decodeStamp([UInt8](tombstone)) }
        return state
    }

    static func save(_ db: Database, _ state: RowState) throws {
        try db.cachedStatement(sql: """
            INSERT INTO confirmed_rows (entity, row_id, order_id, fields, appended, tombstone) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (entity, row_id) DO UPDATE SET fields = excluded.fields, appended = excluded.appended, tombstone = excluded.tombstone
            """).execute(arguments: [
                state.entity.rawValue, state.rowID, state.orderID, Data(ConfirmedRowCodec.encode(fields: state.fields)),
                state.appended.map { Data(ConfirmedRowCodec.encode($0)) }, state.tombstone.map { Data(ConfirmedRowCodec.encode($0)) },
            ])
    }

    static func register(_ db: Database, orderID: String) throws -> StatusRegister {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT node_id, sequence, hlc, version, from_status, status, from_resume_status, note
                FROM confirmed_status_moves WHERE order_id = ?
                """),
            arguments: [orderID])
        guard !rows.isEmpty else { return StatusRegister() }
        return StatusRegister(moves: try rows.map { row in
            let hlc: Int64 = row["hlc"]
            return StatusMove(
                stamp: HLCStamp(hlc: HLC(packed: UInt64(hlc)), nodeID: row["node_id"]), sequence: row["sequence"], version: row["version"],
                from: try Decode.value(OrderStatus.self, row, "from_status", table: "confirmed_status_moves"),
                to: try Decode.value(OrderStatus.self, row, "status", table: "confirmed_status_moves"),
                fromResume: try Decode.optional(OrderStatus.self, row, "from_resume_status", table: "confirmed_status_moves"),
                note: row["note"])
        })
    }

    static func save(_ db: Database, orderID: String, _ register: StatusRegister) throws {
        for move in register.moves {
            try db.cachedStatement(sql: """
                INSERT INTO confirmed_status_moves (order_id, node_id, sequence, hlc, version, from_status, status, from_resume_status, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (order_id, node_id, sequence) DO UPDATE SET version = excluded.version, hlc = excluded.hlc
                """).execute(arguments: [
                    orderID, move.stamp.nodeID, move.sequence, Int64(move.stamp.hlc.packed), move.version,
                    move.from.rawValue, move.to.rawValue, move.fromResume?.rawValue, move.note,
                ])
        }
    }
}

/// The confirmed rows and registers a page or reply touches, loaded once and written back once
/// (`flush`), merged with SyncCore's `RowState.merge` / `StatusRegister.merge`.
struct ConfirmedBatch {
    private var rows: [RowKey: RowState] = [:]
    private var registers: [String: StatusRegister] = [:]

    mutating func merge(_ db: Database, _ change: Change, version: Int64) throws -> MergeResult {
        if change.operation == .setStatus {
            var register = try registers[change.orderID] ?? ConfirmedState.register(db, orderID: change.orderID)
            let result = register.merge(change, version: version)
            registers[change.orderID] = register
            return result
        }
        let key = RowKey(change.entity, change.rowID)
        var row = try rows[key] ?? ConfirmedState.row(db, key) ?? RowState(entity: change.entity, rowID: change.rowID, orderID: change.orderID)
        let result = row.merge(change, version: version)
        rows[key] = row
        return result
    }

    func flush(_ db: Database) throws {
        for row in rows.values { try ConfirmedState.save(db, row) }
        for (orderID, register) in registers { try ConfirmedState.save(db, orderID: orderID, register) }
    }
}
