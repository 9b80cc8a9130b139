import Foundation
import SyncCore

/// Field names as one-byte codes in `RowStateCodec`'s layout. Stored data refers to these by
/// position: append new names at the end, never reorder or remove one. A name not listed is
/// written out (code 0), so a field added to the catalog works before it is listed here.
enum FieldNameCodes {
    static let names: [String] = [
        "order_number", "customer_name", "customer_email", "customer_phone", "priority", "currency", "tax_amount",
        "shipping_amount", "needed_by", "notes", "shipping_address", "billing_address", "created_at", "created_by",
        "stripe_payment_intent_id", "payment_method", "payment_status", "payment_amount", "stripe_refund_id",
        "easypost_shipment_id", "shipping_rate_id", "shipping_label_url", "tracking_code", "tracking_status",
        "carrier", "service_type", "shipping_cost", "subtotal_amount", "total_amount", "status", "resume_status",
        "line_number", "product_name", "product_source", "size", "color", "custom_measurements", "quantity",
        "unit_price", "item_status", "total_price", "from_status", "to_status", "changed_by", "changed_at", "note",
        "duration_in_previous_seconds", "exception_type", "exception_severity", "description", "resolution_status",
        "customer_notified", "resolution_notes", "resolved_at", "resolved_by", "communication_type",
        "communication_channel", "message_content", "delivery_status", "sent_at", "delivered_at", "opened_at",
        "claim_action", "stage", "claimed_by", "released_claim_id", "request_kind", "rate_id", "template",
        "request_state", "answer",
        "answered_at", "order_id",
    ]

    /// Code of each listed name: its position + 1.
    static let codes: [String: UInt64] = Dictionary(
        uniqueKeysWithValues: names.enumerated().map { ($0.element, UInt64($0.offset + 1)) })
}

/// Appends `RowStateCodec`'s compact encodings.
struct CompactWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ number: UInt64) {
        var number = number
        while number >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: number) | 0x80)
            number >>= 7
        }
        bytes.append(UInt8(number))
    }

    /// Zigzag: small negative numbers stay short too.
    mutating func signed(_ number: Int64) {
        varint(UInt64(bitPattern: (number << 1) ^ (number >> 63)))
    }

    mutating func fixed(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func node(_ nodeID: String) {
        if let uuid = CanonicalUUID.bytes(of: nodeID) {
            bytes.append(0)
            bytes.append(contentsOf: uuid)
        } else {
            bytes.append(1)
            string(nodeID)
        }
    }

    mutating func name(_ name: String) {
        if let code = FieldNameCodes.codes[name] {
            varint(code)
        } else {
            varint(0)
            string(name)
        }
    }

    mutating func value(_ value: FieldValue) {
        switch value {
        case .null: bytes.append(0)
        case .integer(let number):
            bytes.append(1)
            signed(number)
        case .real(let number):
            bytes.append(2)
            fixed(number.bitPattern)
        case .text(let text):
            bytes.append(3)
            string(text)
        case .bool(let flag): bytes.append(flag ? 5 : 4)
        }
    }
}

/// Reads what `CompactWriter` wrote; every read is bounds-checked (`RowStateCodec.Truncated`).
struct CompactReader {
    let buffer: UnsafeRawBufferPointer
    var offset: Int

    mutating func byte() throws -> UInt8 {
        guard offset < buffer.count else { throw RowStateCodec.Truncated() }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw RowStateCodec.Truncated() }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    /// A count or index: bounded by the buffer, so a corrupt value cannot ask for a huge array.
    mutating func count() throws -> Int {
        let number = try varint()
        guard number <= UInt64(buffer.count) else { throw RowStateCodec.Truncated() }
        return Int(number)
    }

    mutating func signed() throws -> Int64 {
        let number = try varint()
        return Int64(bitPattern: number >> 1) ^ -Int64(bitPattern: number & 1)
    }

    mutating func fixed() throws -> UInt64 {
        guard offset + 8 <= buffer.count else { throw RowStateCodec.Truncated() }
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) {
            $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 8]))
        }
        offset += 8
        return UInt64(littleEndian: value)
    }

    mutating func string() throws -> String {
        let length = try count()
        guard offset + length <= buffer.count else { throw RowStateCodec.Truncated() }
        defer { offset += length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length]), as: UTF8.self)
    }

    mutating func node() throws -> String {
        switch try byte() {
        case 0:
            guard offset + 16 <= buffer.count else { throw RowStateCodec.Truncated() }
            defer { offset += 16 }
            return CanonicalUUID.string(of: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 16]))
        case 1: return try string()
        default: throw RowStateCodec.Truncated()
        }
    }

    mutating func name() throws -> String {
        let code = try varint()
        if code == 0 { return try string() }
        guard code <= UInt64(FieldNameCodes.names.count) else { throw RowStateCodec.Truncated() }
        return FieldNameCodes.names[Int(code - 1)]
    }

    mutating func value() throws -> FieldValue {
        switch try byte() {
        case 0: return .null
        case 1: return .integer(try signed())
        case 2: return .real(Double(bitPattern: try fixed()))
        case 3: return .text(try string())
        case 4: return .bool(false)
        case 5: return .bool(true)
        default: throw RowStateCodec.Truncated()
        }
    }
}

/// Lower-case hyphenated UUID text ⇄ its 16 bytes. Only the canonical spelling converts, so the
/// round trip gives back exactly the string that was stored.
package enum CanonicalUUID {
    private static let hyphens: Set<Int> = [8, 13, 18, 23]
    private static let hexDigits = Array("0123456789abcdef".utf8)

    package static func bytes(of text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count == 36 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16)
            var high: UInt8?
            for (position, character) in utf8.enumerated() {
                if hyphens.contains(position) {
                    guard character == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let nibble: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
                default: return nil
                }
                if let first = high {
                    bytes.append(first << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
            }
            return bytes
        }
    }

    package static func string(of bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 36) { output in
            var position = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    output[position] = UInt8(ascii: "-")
                    position += 1
                }
                output[position] = hexDigits[Int(byte >> 4)]
                output[position + 1] = hexDigits[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}
