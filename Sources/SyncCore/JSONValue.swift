import Foundation

/// A JSON document as a tree. The protocol's codecs read and write messages through it so that
/// decoding can say exactly which field is wrong and encoding is canonical (sorted keys, no
/// insignificant whitespace), which the golden vectors compare byte for byte.
///
/// Integers and reals are kept apart: `1` is `.integer`, `1.0` and `1e3` are `.real`. HLC values
/// need the full positive `Int64` range (the protocol caps them at `Int64.max`), so parsers must
/// never route them through binary64.
package enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case real(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The name of the value's JSON type, for error messages.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .real: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
