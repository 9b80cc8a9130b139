import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// The stored form of a confirmed row's parts: every field as SyncCore's `StampedValue`
/// (value, hlc, node, sequence, version) in a compact binary layout, because every pulled change
/// reads and rewrites its row: little-endian integers, strings as a 32-bit length and UTF-8,
/// values as a tag byte and payload. Schema: `[count u32] ([name] [stamped])*`, stamped =
/// `[tag u8] [payload] [hlc u64] [node string] [sequence i64] [version i64]`.
enum ConfirmedRowCodec {
    static func encode(fields: [String: StampedValue]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.count * 64)
        append(UInt32(fields.count), to: &bytes)
        for (name, value) in fields {
            append(name, to: &bytes)
            append(value, to: &bytes)
        }
        return bytes
    }

    static func encode(_ value: StampedValue) -> [UInt8] {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return bytes
    }

    static func decodeFields(_ data: Data) throws -> [String: StampedValue] {
        try data.withUnsafeBytes { buffer in
            var reader = Reader(buffer: buffer)
            let count = Int(try reader.integer(UInt32.self))
            guard count <= buffer.count else { throw corrupt(data) }
            var fields: [String: StampedValue] = [:]
            fields.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.string()
                fields[name] = try reader.stamped()
            }
            guard reader.offset == buffer.count else { throw corrupt(data) }
            return fields
        }
    }

    static func decodeStamp(_ data: Data) throws -> StampedValue {
        try data.withUnsafeBytes { buffer in
            var reader = Reader(buffer: buffer)
            let value = try reader.stamped()
            guard reader.offset == buffer.count else { throw corrupt(data) }
            return value
        }
    }

    private static func append<T: FixedWidthInteger>(_ number: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            append(UInt32(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func append(_ value: StampedValue, to bytes: inout [UInt8]) {
        switch value.value {
        case .null: bytes.append(0)
        case .integer(let number):
            bytes.append(1)
            append(number, to: &bytes)
        case .real(let number):
            bytes.append(2)
            append(number.bitPattern, to: &bytes)
        case .text(let text):
            bytes.append(3)
            append(text, to: &bytes)
        case .bool(let flag):
            bytes.append(4)
            bytes.append(flag ? 1 : 0)
        }
        append(value.stamp.hlc.packed, to: &bytes)
        append(value.stamp.nodeID, to: &bytes)
        append(value.sequence, to: &bytes)
        append(value.version, to: &bytes)
    }

    static func corrupt(_ data: Data) -> StoreError {
        .corruptValue(
            table: "confirmed_rows", column: "fields",
            value: data.prefix(40).map { String($0, radix: 16) }.joined(separator: " "))
    }

    struct Truncated: Error {}

    struct Reader {
        let buffer: UnsafeRawBufferPointer
        var offset = 0

        mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard offset + size <= buffer.count else { throw Truncated() }
            var value = T.zero
            withUnsafeMutableBytes(of: &value) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + size]))
            }
            offset += size
            return T(littleEndian: value)
        }

        mutating func string() throws -> String {
            let length = Int(try integer(UInt32.self))
            guard offset + length <= buffer.count else { throw Truncated() }
            let text = String(
                decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length]), as: UTF8.self)
            offset += length
            return text
        }

        mutating func stamped() throws -> StampedValue {
            let value: FieldValue
            switch try integer(UInt8.self) {
            case 0: value = .null
            case 1: value = .integer(try integer(Int64.self))
            case 2: value = .real(Double(bitPattern: try integer(UInt64.self)))
            case 3: value = .text(try string())
            case 4: value = .bool(try integer(UInt8.self) != 0)
            default: throw Truncated()
            }
            let hlc = HLC(packed: try integer(UInt64.self))
            let nodeID = try string()
            return StampedValue(
                value: value, stamp: HLCStamp(hlc: hlc, nodeID: nodeID), sequence: try integer(Int64.self),
                version: try integer(Int64.self))
        }
    }
}

/// Reading and writing the confirmed replica (`confirmed_rows`, `confirmed_status_moves`).
enum ConfirmedState {
    static func row(_ db: Database, _ key: RowKey) throws -> RowState? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql:
                        """
                        SELECT order_id, fields, appended, tombstone FROM confirmed_rows WHERE entity = ? AND
                        row_id = ?
                        """
                ),
                arguments: [key.entity.rawValue, key.rowID])
        else { return nil }
        return try decode(row, key: key)
    }

    /// Every confirmed row of one order; rows in `known` (the same state, already decoded) are
    /// taken from it.
    static func rows(_ db: Database, orderID: String, known: [RowKey: RowState] = [:]) throws -> [RowKey: RowState] {
        var rows: [RowKey: RowState] = [:]
        let cursor = try Row.fetchCursor(
            db.cachedStatement(
                sql:
                    """
                    SELECT entity, row_id, order_id, fields, appended, tombstone FROM confirmed_rows WHERE order_id
                    = ?
                    """
            ),
            arguments: [orderID])
        while let row = try cursor.next() {
            let key = RowKey(try Decode.value(EntityKind.self, row, "entity", table: "confirmed_rows"), row["row_id"])
            rows[key] = try known[key] ?? decode(row, key: key)
        }
        return rows
    }

    /// How many keys one prefetch statement looks up; a short last chunk repeats its last key,
    /// so one prepared statement serves every chunk.
    static let prefetchChunk = 100
    /// A join from the keys (CROSS JOIN keeps that order): `(entity, row_id) IN (VALUES …)`
    /// scans the whole table.
    static let prefetchSQL =
        "SELECT c.entity, c.row_id, c.order_id, c.fields, c.appended, c.tombstone FROM (VALUES "
        + Array(repeating: "(?, ?)", count: prefetchChunk).joined(separator: ", ")
        + ") AS k CROSS JOIN confirmed_rows AS c ON c.entity = k.column1 AND c.row_id = k.column2"

    /// The confirmed rows of `keys` that exist, in one statement per `prefetchChunk` keys.
    static func rows(_ db: Database, keys: [RowKey]) throws -> [RowKey: RowState] {
        var rows: [RowKey: RowState] = [:]
        let statement = try db.cachedStatement(sql: prefetchSQL)
        for start in stride(from: 0, to: keys.count, by: prefetchChunk) {
            var arguments: [DatabaseValue] = []
            arguments.reserveCapacity(prefetchChunk * 2)
            for index in 0..<prefetchChunk {
                let key = keys[min(start + index, keys.count - 1)]
                arguments.append(key.entity.rawValue.databaseValue)
                arguments.append(key.rowID.databaseValue)
            }
            let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(databaseValues: arguments))
            while let row = try cursor.next() {
                let key = RowKey(
                    try Decode.value(EntityKind.self, row, "entity", table: "confirmed_rows"), row["row_id"])
                rows[key] = try decode(row, key: key)
            }
        }
        return rows
    }

    private static func decode(_ row: Row, key: RowKey) throws -> RowState {
        var state = RowState(entity: key.entity, rowID: key.rowID, orderID: row["order_id"])
        let fields: Data = row["fields"]
        do {
            state.fields = try ConfirmedRowCodec.decodeFields(fields)
            if let appended: Data = row["appended"] { state.appended = try ConfirmedRowCodec.decodeStamp(appended) }
            if let tombstone: Data = row["tombstone"] { state.tombstone = try ConfirmedRowCodec.decodeStamp(tombstone) }
        } catch is ConfirmedRowCodec.Truncated {
            throw ConfirmedRowCodec.corrupt(fields)
        }
        return state
    }

    static func save(_ db: Database, _ state: RowState) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO confirmed_rows (entity, row_id, order_id, fields, appended, tombstone) VALUES (?, ?, ?,
                  ?, ?, ?)
                ON CONFLICT (entity, row_id) DO UPDATE SET fields = excluded.fields, appended = excluded.appended,
                  tombstone = excluded.tombstone
                """
        ).execute(arguments: [
            state.entity.rawValue, state.rowID, state.orderID, Data(ConfirmedRowCodec.encode(fields: state.fields)),
            state.appended.map { Data(ConfirmedRowCodec.encode($0)) },
            state.tombstone.map { Data(ConfirmedRowCodec.encode($0)) },
        ])
    }

    static func register(_ db: Database, orderID: String) throws -> StatusRegister {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT \(StatusMoveRows.columns) FROM confirmed_status_moves WHERE order_id = ?"),
            arguments: [orderID])
        guard !rows.isEmpty else { return StatusRegister() }
        return StatusRegister(
            moves: try rows.map { row in try StatusMoveRows.decode(row, table: "confirmed_status_moves") })
    }

    static let saveMoveSQL = StatusMoveRows.insertSQL(
        "confirmed_status_moves",
        conflictClause:
            "ON CONFLICT (order_id, node_id, sequence) DO UPDATE SET version = excluded.version, hlc = excluded.hlc")

    static func save(_ db: Database, orderID: String, _ register: StatusRegister) throws {
        for move in register.moves {
            try db.cachedStatement(sql: saveMoveSQL).execute(
                arguments: StatusMoveRows.arguments(move, orderID: orderID))
        }
    }
}

/// The confirmed rows and registers a page or reply touches, loaded once and written back once
/// (`flush`), merged with SyncCore's `RowState.merge` / `StatusRegister.merge`. It remembers
/// which fields of which rows the merged changes named, so only those are re-projected.
struct ConfirmedBatch {
    private(set) var rows: [RowKey: RowState] = [:]
    private(set) var registers: [String: StatusRegister] = [:]
    /// Per touched row, the fields the merged changes carried (`status` for a status move);
    /// nil for a delete or an append, which re-project the whole row.
    private(set) var touched: [RowKey: Set<String>?] = [:]
    /// Rows looked up ahead by `prefetch` (nil: not confirmed yet), not merged yet.
    private var prefetched: [RowKey: RowState?] = [:]

    /// Looks up in one go the confirmed rows `changes` will merge into, instead of one statement
    /// per change.
    mutating func prefetch(_ db: Database, _ changes: some Sequence<Change>) throws {
        var keys: [RowKey] = []
        var seen: Set<RowKey> = []
        for change in changes where change.operation != .setStatus {
            let key = RowKey(change.entity, change.rowID)
            if rows[key] == nil, prefetched[key] == nil, seen.insert(key).inserted { keys.append(key) }
        }
        guard !keys.isEmpty else { return }
        let found = try ConfirmedState.rows(db, keys: keys)
        for key in keys { prefetched[key] = .some(found[key]) }
    }

    mutating func merge(_ db: Database, _ change: Change, version: Int64) throws -> MergeResult {
        let key = RowKey(change.entity, change.rowID)
        if change.operation == .setStatus {
            var register = try registers[change.orderID] ?? ConfirmedState.register(db, orderID: change.orderID)
            let result = register.merge(change, version: version)
            registers[change.orderID] = register
            note(key, fields: ["status"])
            return result
        }
        let confirmed: RowState?
        if let known = rows[key] {
            confirmed = known
        } else if let looked = prefetched.removeValue(forKey: key) {
            confirmed = looked
        } else {
            confirmed = try ConfirmedState.row(db, key)
        }
        var row = confirmed ?? RowState(entity: change.entity, rowID: change.rowID, orderID: change.orderID)
        let result = row.merge(change, version: version)
        rows[key] = row
        note(key, fields: change.operation == .setFields ? Set(change.fields.keys) : nil)
        return result
    }

    private mutating func note(_ key: RowKey, fields: Set<String>?) {
        switch (touched[key], fields) {
        case (nil, _): touched[key] = .some(fields)
        case (.some(.some(let known)), .some(let more)): touched[key] = .some(known.union(more))
        default: touched[key] = .some(nil)
        }
    }

    func flush(_ db: Database) throws {
        for row in rows.values { try ConfirmedState.save(db, row) }
        for (orderID, register) in registers { try ConfirmedState.save(db, orderID: orderID, register) }
    }
}
