import Foundation
import SQLAccess
import SyncCore

/// The stored form of a row's merge state (SyncCore's `RowState`), in central's `rows` and a
/// node's `confirmed_rows`. Every pushed or pulled change reads and rewrites its row, and these
/// tables hold one row per order, item and history entry, so the layout is made small enough that
/// a row fits in its b-tree page instead of spilling to overflow pages (issue #15):
///
/// - the changes that wrote a row's fields are listed once (`stamps`) and each field refers to one
///   by index: a row created by one change carries one stamp, not one per field;
/// - node ids (lower-case UUIDs) are 16 bytes, listed once per row;
/// - field names are a one-byte code from `FieldNameCodes` (any other name is spelled out);
/// - integers are LEB128 varints (signed ones zigzag-encoded), strings a varint length and UTF-8.
///
/// `fields` = `[0xFE] [node count] node* [stamp count] stamp* [field count] field*`, where
/// node = `[0] [16 bytes]` or `[1] [string]`, stamp = `[hlc u64 LE] [node index] [sequence zz]
/// [version zz]`, field = `[name code] ([string] if code 0) [stamp index] [value]`, value =
/// `[tag] [payload]` (0 null, 1 integer zz, 2 real as 8 bytes, 3 string, 4 false, 5 true).
/// `appended` / `tombstone` = `[0xFE] node [hlc u64 LE] [sequence zz] [version zz] [value]`.
/// Fields are written in name order, so equal states encode to equal bytes.
///
/// Rows written before 2026-12-08 used a fixed-width layout (`[count u32] ([name] [stamped])*`,
/// see `RowStateCodec+Legacy.swift`); `decode` still reads it, and the replica's and central's
/// `compact-rows` migrations rewrite such rows.
package enum RowStateCodec {
    static let compactMarker: UInt8 = 0xFE

    package static func encode(fields: [String: StampedValue]) -> [UInt8] {
        var writer = CompactWriter()
        writer.bytes.reserveCapacity(16 + fields.count * 12)
        var nodes: [String] = []
        var stamps: [(hlc: UInt64, node: Int, sequence: Int64, version: Int64)] = []
        var stampIndex: [Int] = []
        stampIndex.reserveCapacity(fields.count)
        let entries = fields.sorted { $0.key < $1.key }
        for (_, value) in entries {
            let node: Int
            if let found = nodes.firstIndex(of: value.stamp.nodeID) {
                node = found
            } else {
                nodes.append(value.stamp.nodeID)
                node = nodes.count - 1
            }
            let stamp = (hlc: value.stamp.hlc.packed, node: node, sequence: value.sequence, version: value.version)
            if let found = stamps.firstIndex(where: { $0 == stamp }) {
                stampIndex.append(found)
            } else {
                stamps.append(stamp)
                stampIndex.append(stamps.count - 1)
            }
        }
        writer.bytes.append(compactMarker)
        writer.varint(UInt64(nodes.count))
        for node in nodes { writer.node(node) }
        writer.varint(UInt64(stamps.count))
        for stamp in stamps {
            writer.fixed(stamp.hlc)
            writer.varint(UInt64(stamp.node))
            writer.signed(stamp.sequence)
            writer.signed(stamp.version)
        }
        writer.varint(UInt64(entries.count))
        for (position, (name, value)) in entries.enumerated() {
            writer.name(name)
            writer.varint(UInt64(stampIndex[position]))
            writer.value(value.value)
        }
        return writer.bytes
    }

    package static func encode(_ value: StampedValue) -> [UInt8] {
        var writer = CompactWriter()
        writer.bytes.append(compactMarker)
        writer.node(value.stamp.nodeID)
        writer.fixed(value.stamp.hlc.packed)
        writer.signed(value.sequence)
        writer.signed(value.version)
        writer.value(value.value)
        return writer.bytes
    }

    /// The `fields`, `appended` and `tombstone` column values of `state`.
    package static func columns(of state: RowState) -> (fields: Data, appended: Data?, tombstone: Data?) {
        (
            Data(encode(fields: state.fields)), state.appended.map { Data(encode($0)) },
            state.tombstone.map { Data(encode($0)) }
        )
    }

    static func decodeFields(_ data: Data) throws -> [String: StampedValue] {
        try data.withUnsafeBytes { buffer in try decodeFields(buffer) }
    }

    static func decodeFields(_ buffer: UnsafeRawBufferPointer) throws -> [String: StampedValue] {
        guard buffer.first == compactMarker else { return try decodeLegacyFields(buffer) }
        var reader = CompactReader(buffer: buffer, offset: 1)
        let nodeCount = try reader.count()
        var nodes: [String] = []
        nodes.reserveCapacity(nodeCount)
        for _ in 0..<nodeCount { nodes.append(try reader.node()) }
        let stampCount = try reader.count()
        var stamps: [(stamp: HLCStamp, sequence: Int64, version: Int64)] = []
        stamps.reserveCapacity(stampCount)
        for _ in 0..<stampCount {
            let hlc = HLC(packed: try reader.fixed())
            let node = try reader.count()
            guard node < nodes.count else { throw Truncated() }
            stamps.append(
                (HLCStamp(hlc: hlc, nodeID: nodes[node]), try reader.signed(), try reader.signed()))
        }
        let fieldCount = try reader.count()
        var fields: [String: StampedValue] = [:]
        fields.reserveCapacity(fieldCount)
        for _ in 0..<fieldCount {
            let name = try reader.name()
            let index = try reader.count()
            guard index < stamps.count else { throw Truncated() }
            let stamp = stamps[index]
            fields[name] = StampedValue(
                value: try reader.value(), stamp: stamp.stamp, sequence: stamp.sequence, version: stamp.version)
        }
        guard reader.offset == buffer.count else { throw Truncated() }
        return fields
    }

    static func decodeStamp(_ data: Data) throws -> StampedValue {
        try data.withUnsafeBytes { buffer in try decodeStamp(buffer) }
    }

    static func decodeStamp(_ buffer: UnsafeRawBufferPointer) throws -> StampedValue {
        guard buffer.first == compactMarker else { return try decodeLegacyStamp(buffer) }
        var reader = CompactReader(buffer: buffer, offset: 1)
        let node = try reader.node()
        let hlc = HLC(packed: try reader.fixed())
        let sequence = try reader.signed()
        let version = try reader.signed()
        let value = StampedValue(
            value: try reader.value(), stamp: HLCStamp(hlc: hlc, nodeID: node), sequence: sequence,
            version: version)
        guard reader.offset == buffer.count else { throw Truncated() }
        return value
    }

    /// The row state of `key` from a row holding `order_id`, `fields`, `appended` and `tombstone`:
    /// a GRDB row of the node's Store or a central `SQLRow`.
    package static func decode(_ row: some ColumnReading, key: RowKey, table: String) throws(CorruptStoredValue)
        -> RowState
    {
        try decode(row, key: key, orderID: try row.read("order_id", table: table), table: table)
    }

    /// As above, the order id given (a node's `confirmed_rows` stores it as bytes).
    package static func decode(_ row: some ColumnReading, key: RowKey, orderID: String, table: String)
        throws(CorruptStoredValue) -> RowState
    {
        var state = RowState(entity: key.entity, rowID: key.rowID, orderID: orderID)
        let fields = try row.read("fields", table: table, as: Data.self)
        do {
            state.fields = try decodeFields(fields)
            if let appended = try row.read("appended", table: table, as: Data?.self) {
                state.appended = try decodeStamp(appended)
            }
            if let tombstone = try row.read("tombstone", table: table, as: Data?.self) {
                state.tombstone = try decodeStamp(tombstone)
            }
        } catch {
            throw CorruptStoredValue(
                table: table, column: "fields",
                value: fields.prefix(40).map { String($0, radix: 16) }.joined(separator: " "))
        }
        return state
    }

    /// Whether a stored `fields` value is in the layout before 2026-12-08 (the migrations' test).
    package static func isLegacy(_ fields: Data) -> Bool { fields.first != compactMarker }

    struct Truncated: Error {}
}
