/// Canonical serialisation: object keys sorted by their UTF-8 bytes, no whitespace, strings
/// escaped minimally (`"`, `\`, control characters), integers in decimal, reals in Swift's
/// shortest round-trip form. Two equal trees always give the same bytes.
extension JSONValue {
    package var canonicalBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    package var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .integer(let value): output.append(contentsOf: String(value).utf8)
        case .real(let value):
            // A real with an integral value keeps a fraction so it reads back as a real.
            var text = "\(value)"
            if !text.contains(".") && !text.contains("e") { text += ".0" }
            output.append(contentsOf: text.utf8)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { Self.utf8Precedes($0.key, $1.key) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal (RFC 8259): `"`, `\` and control characters escaped, nothing else.
    /// Bytes of multi-byte UTF-8 sequences are all >= 0x80, so escaping byte by byte never
    /// splits a character.
    package static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            // Most strings need no escape: copied whole (byte by byte, ~4% of a push's CPU at central).
            guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                output.append(contentsOf: bytes)
                return
            }
            for byte in bytes { writeEscaping(byte, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscaping(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
        case 0x0A: output.append(contentsOf: "\\n".utf8)
        case 0x0D: output.append(contentsOf: "\\r".utf8)
        case 0x09: output.append(contentsOf: "\\t".utf8)
        case 0x00..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            output.append(contentsOf: "\\u00".utf8)
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        default: output.append(byte)
        }
    }

    /// Key order: by UTF-8 bytes, compared in place (native strings hold UTF-8).
    static func utf8Precedes(_ first: String, _ second: String) -> Bool {
        var first = first, second = second
        return first.withUTF8 { left in
            second.withUTF8 { right in
                for (a, b) in zip(left, right) where a != b { return a < b }
                return left.count < right.count
            }
        }
    }
}

extension JSONValue {
    /// Canonical content laid out for people: sorted keys, two-space indentation, one member
    /// per line. Parsing it and taking `canonicalBytes` gives back the canonical form.
    package var formatted: String {
        var output = ""
        format(into: &output, indent: "")
        return output + "\n"
    }

    private func format(into output: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let values) where !values.isEmpty:
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += inner
                value.format(into: &output, indent: inner)
                output += index == values.count - 1 ? "\n" : ",\n"
            }
            output += indent + "]"
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            let keys = members.keys.sorted(by: Self.utf8Precedes)
            for (index, key) in keys.enumerated() {
                output += inner + JSONValue.string(key).canonicalString + ": "
                members[key]!.format(into: &output, indent: inner)
                output += index == keys.count - 1 ? "\n" : ",\n"
            }
            output += indent + "}"
        default:
            output += canonicalString
        }
    }
}
