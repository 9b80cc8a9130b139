import CPostgres
import Foundation
import SQLAccess

/// Parameters go as text (numbers, strings) or binary (bytea); results come back as text and are
/// typed by their column's type OID.
enum PostgresValues {
    /// Type OIDs from PostgreSQL's pg_type catalog (stable across versions).
    enum TypeOID {
        static let bool: Oid = 16
        static let bytea: Oid = 17
        static let int8: Oid = 20
        static let int2: Oid = 21
        static let int4: Oid = 23
        static let oid: Oid = 26
        static let float4: Oid = 700
        static let float8: Oid = 701
        static let numeric: Oid = 1700
    }

    /// Parameter bytes in libpq's layout, alive for the duration of `body`.
    static func withParameters<T>(
        _ values: [SQLValue],
        _ body: (
            _ count: Int32, _ values: UnsafePointer<UnsafePointer<CChar>?>?, _ lengths: UnsafePointer<Int32>?,
            _ formats: UnsafePointer<Int32>?
        ) throws -> T
    ) rethrows -> T {
        if values.isEmpty { return try body(0, nil, nil, nil) }
        var buffers: [UnsafeMutableRawPointer?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        buffers.reserveCapacity(values.count)
        defer { for buffer in buffers { free(buffer) } }
        for value in values {
            switch value {
            case .null:
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            case .integer(let number): appendText(String(number), &buffers, &lengths, &formats)
            case .real(let number): appendText(String(number), &buffers, &lengths, &formats)
            case .text(let text): appendText(text, &buffers, &lengths, &formats)
            case .blob(let data):
                // malloc(0) may return nil, which libpq reads as NULL: keep one byte allocated.
                let buffer = malloc(max(data.count, 1))
                data.copyBytes(to: buffer!.assumingMemoryBound(to: UInt8.self), count: data.count)
                buffers.append(buffer)
                lengths.append(Int32(data.count))
                formats.append(1)
            }
        }
        return try buffers.withUnsafeBufferPointer { buffers in
            try buffers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                try body(Int32(values.count), pointers.baseAddress, lengths, formats)
            }
        }
    }

    private static func appendText(
        _ text: String, _ buffers: inout [UnsafeMutableRawPointer?], _ lengths: inout [Int32],
        _ formats: inout [Int32]
    ) {
        buffers.append(UnsafeMutableRawPointer(strdup(text)))
        lengths.append(0)
        formats.append(0)
    }

    /// The value in row `row`, column `column` of a text-format result.
    static func value(_ result: OpaquePointer, row: Int32, column: Int32, type: Oid) -> SQLValue {
        if PQgetisnull(result, row, column) == 1 { return .null }
        guard let bytes = PQgetvalue(result, row, column) else { return .null }
        let length = Int(PQgetlength(result, row, column))
        switch type {
        case TypeOID.int8, TypeOID.int4, TypeOID.int2, TypeOID.oid:
            return Int64(String(cString: bytes)).map(SQLValue.integer) ?? .text(String(cString: bytes))
        case TypeOID.bool:
            return .integer(bytes.pointee == CChar(UInt8(ascii: "t")) ? 1 : 0)
        case TypeOID.float4, TypeOID.float8:
            return Double(String(cString: bytes)).map(SQLValue.real) ?? .text(String(cString: bytes))
        case TypeOID.numeric:
            // sum() and avg() of bigints are numeric: integral ones read back as integers.
            let text = String(cString: bytes)
            if let integer = Int64(text) { return .integer(integer) }
            return Double(text).map(SQLValue.real) ?? .text(text)
        case TypeOID.bytea:
            return .blob(decodeHexBytea(UnsafeRawBufferPointer(start: bytes, count: length)))
        default:
            return .text(
                String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self))
        }
    }

    /// bytea's text output (`bytea_output = hex`, set on every connection): `\x` then two hex
    /// digits a byte.
    static func decodeHexBytea(_ text: UnsafeRawBufferPointer) -> Data {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x") else {
            return Data(text)
        }
        var bytes = [UInt8](repeating: 0, count: (text.count - 2) / 2)
        var index = 2
        for out in bytes.indices {
            bytes[out] = hexDigit(text[index]) << 4 | hexDigit(text[index + 1])
            index += 2
        }
        return Data(bytes)
    }

    private static func hexDigit(_ character: UInt8) -> UInt8 {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: 0
        }
    }
}
