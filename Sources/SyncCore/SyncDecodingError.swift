/// Why a protocol message could not be decoded: what is wrong, and where (a path such as
/// `changes[2].op`). Every decoder in SyncCore throws this and nothing else.
package struct SyncDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Problem: Equatable, Sendable {
        /// The bytes are not JSON at all.
        case malformedJSON(JSONParseError)
        case missingField
        case unknownField
        /// Expected a JSON type, found another.
        case wrongType(expected: String, found: String)
        /// A string or number outside the allowed set or range.
        case invalidValue(String, expected: String)
        /// The peer speaks a protocol version this side does not.
        case unsupportedVersion(VersionMismatch)
    }

    /// Dotted path of the offending field; empty for the whole message.
    package let path: String
    package let problem: Problem

    package init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    package var description: String {
        let location = path.isEmpty ? "message" : "'\(path)'"
        switch problem {
        case .malformedJSON(let error): return error.description
        case .missingField: return "\(location) is required but missing"
        case .unknownField: return "\(location) is not a field of this message (protocol \(ProtocolVersion.current))"
        case .wrongType(let expected, let found): return "\(location) must be \(expected), found \(found)"
        case .invalidValue(let value, let expected):
            return "\(location) has invalid value \(value); expected \(expected)"
        case .unsupportedVersion(let mismatch): return mismatch.description
        }
    }

    /// The stable error code this problem is reported with (see SYNC-PROTOCOL.md).
    package var code: ErrorCode {
        switch problem {
        case .malformedJSON: .malformedJSON
        case .unsupportedVersion: .unsupportedProtocolVersion
        default: .invalidMessage
        }
    }
}
