import Foundation
import SyncCore

extension RowStateCodec {
    /// Rows written before 2026-12-08: `[count u32] ([name] [stamped])*`, stamped = `[tag u8]
    /// [payload] [hlc u64] [node string] [sequence i64] [version i64]`, little-endian fixed-width
    /// integers, strings as a u32 length and UTF-8. Read so that the migrations can rewrite them.
    static func decodeLegacyFields(_ buffer: UnsafeRawBufferPointer) throws -> [String: StampedValue] {
        var reader = LegacyReader(buffer: buffer)
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

    static func decodeLegacyStamp(_ buffer: UnsafeRawBufferPointer) throws -> StampedValue {
        var reader = LegacyReader(buffer: buffer)
        let value = try reader.stamped()
        guard reader.offset == buffer.count else { throw Truncated() }
        return value
    }

    /// Writes the legacy layout: only for tests that build a store as it was before 2026-12-08.
    package static func encodeLegacy(fields: [String: StampedValue]) -> [UInt8] {
        var bytes: [UInt8] = []
        appendLegacy(UInt32(fields.count), to: &bytes)
        for (name, value) in fields {
            appendLegacy(name, to: &bytes)
            appendLegacy(value, to: &bytes)
        }
        return bytes
    }

    package static func encodeLegacy(_ value: StampedValue) -> [UInt8] {
        var bytes: [UInt8] = []
        appendLegacy(value, to: &bytes)
        return bytes
    }

    private static func appendLegacy<T: FixedWidthInteger>(_ number: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func appendLegacy(_ text: String, to bytes: inout [UInt8]) {
        appendLegacy(UInt32(text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private static func appendLegacy(_ value: StampedValue, to bytes: inout [UInt8]) {
        switch value.value {
        case .null: bytes.append(0)
        case .integer(let number):
            bytes.append(1)
            appendLegacy(number, to: &bytes)
        case .real(let number):
            bytes.append(2)
            appendLegacy(number.bitPattern, to: &bytes)
        case .text(let text):
            bytes.append(3)
            appendLegacy(text, to: &bytes)
        case .bool(let flag):
            bytes.append(4)
            bytes.append(flag ? 1 : 0)
        }
        appendLegacy(value.stamp.hlc.packed, to: &bytes)
        appendLegacy(value.stamp.nodeID, to: &bytes)
        appendLegacy(value.sequence, to: &bytes)
        appendLegacy(value.version, to: &bytes)
    }

    struct LegacyReader {
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
