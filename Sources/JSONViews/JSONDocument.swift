import Foundation

/// Any JSON value, to embed stored JSON documents (addresses, measurements) as objects.
package enum JSONDocument: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), integer(Int64), string(String), array([JSONDocument]), object(
        [String: JSONDocument])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONDocument].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONDocument].self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses stored JSON text; the Store only keeps valid JSON, so nil means "no document".
    package static func parse(_ text: String?) -> JSONDocument? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(JSONDocument.self, from: Data(text.utf8))
    }
}
