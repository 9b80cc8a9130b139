import Foundation
import GRDB
import SyncCore

/// The stored form of a row's merge state (SyncCore's `RowState`), in central's `rows` and a
/// node's `confirmed_rows`: every field as a `StampedValue` (value, hlc, node, sequence,
/// version) in a compact binary layout, because every pushed or pulled change reads and
/// rewrites its row: little-endian integers, strings as a 32-bit length and UTF-8,
/// values as a tag byte and payload. Schema: `[count u32] ([name] [stamped])*`, stamped =
/// `[tag u8] [payload] [hlc u64] [node string] [sequence i64] [version i64]`.
package enum RowStateCodec {
    package static func encode(fields: [String: StampedValue]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.count * 64)
        append(UInt32(fields.count), to: &bytes)
        for (name, value) in fields {
            append(name, to: &bytes)
            append(value, to: &bytes)
        }
        return bytes
    }

    package static func encode(_ value: StampedValue) -> [UInt8] {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return bytes
    }

    static func decodeFields(_ data: Data) throws -> [String: StampedValue] {
        try data.withUnsafeBytes { buffer in
            var reader = Reader(buffer: buffer)
            let count = Int(try reader.integer(UInt32.self))
            guard count <= buffer.count else { throw Truncated() }
            var fields: [String: StampedValue] = [:]
            fields.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.string()
                fields[name] = try reader.stamped()
            }
            guard reader.offset == buffer.count else { throw Truncated() }
            return fields
        }
    }

    static func decodeStamp(_ data: Data) throws -> StampedValue {
        try data.withUnsafeBytes { buffer in
            var reader = Reader(buffer: buffer)
            let value = try reader.stamped()
            guard reader.offset == buffer.count else { throw Truncated() }
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

    /// The row state of `key` from a row holding `order_id`, `fields`, `appended` and `tombstone`.
    package static func decode(_ row: Row, key: RowKey, table: String) throws(CorruptStoredValue) -> RowState {
        var state = RowState(entity: key.entity, rowID: key.rowID, orderID: try row.value("order_id", table: table))
        let fields: Data = try row.value("fields", table: table)
        do {
            state.fields = try decodeFields(fields)
            if let appended: Data = try row.value("appended", table: table) {
                state.appended = try decodeStamp(appended)
            }
            if let tombstone: Data = try row.value("tombstone", table: table) {
                state.tombstone = try decodeStamp(tombstone)
            }
        } catch {
            throw CorruptStoredValue(
                table: table, column: "fields",
                value: fields.prefix(40).map { String($0, radix: 16) }.joined(separator: " "))
        }
        return state
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
