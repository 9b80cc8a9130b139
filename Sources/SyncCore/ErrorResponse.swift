/// Stable error codes of the sync protocol, with the HTTP status each is sent with.
package enum ErrorCode: String, CaseIterable, Sendable {
    case malformedJSON = "malformed_json"
    case invalidMessage = "invalid_message"
    case unsupportedProtocolVersion = "unsupported_protocol_version"
    case unauthorized
    case forbidden
    case sequenceGap = "sequence_gap"
    case sequenceReused = "sequence_reused"
    case batchTooLarge = "batch_too_large"
    case payloadTooLarge = "payload_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case invalidCursor = "invalid_cursor"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case internalError = "internal_error"
    case unavailable
    /// Too many requests for one bearer token; `Retry-After` says when to try again.
    case rateLimited = "rate_limited"
    /// A pull after a version central's log no longer holds (compacted): bootstrap from a
    /// snapshot, keeping the outbox (version 3, SYNC-PROTOCOL.md §4.10).
    case cursorCompacted = "cursor_compacted"

    package var httpStatus: Int {
        switch self {
        case .malformedJSON, .invalidMessage, .invalidCursor: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .cursorCompacted: 410
        case .sequenceGap, .sequenceReused: 409
        case .batchTooLarge, .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .unsupportedProtocolVersion: 426
        case .rateLimited: 429
        case .internalError: 500
        case .unavailable: 503
        }
    }
}

/// The body of every error reply: `{"protocol_version":1,"error":{"code":...,"message":...}}`
/// plus machine-readable details for the codes that need them.
package struct ErrorResponse: Hashable, Sendable, WireCodable, Error, CustomStringConvertible {
    package var code: ErrorCode
    /// One sentence a person can act on.
    package var message: String
    /// `sequence_gap`, `sequence_reused`: the sequence central expects next.
    package var expectedSequence: Int64?
    /// `unsupported_protocol_version`: the version the peer sent and the versions this side speaks.
    package var peerVersion: Int64?
    package var supportedVersions: ClosedRange<Int64>?
    /// `batch_too_large` / `payload_too_large`: the limit exceeded.
    package var limit: Int64?

    package init(
        code: ErrorCode, message: String, expectedSequence: Int64? = nil, peerVersion: Int64? = nil,
        supportedVersions: ClosedRange<Int64>? = nil, limit: Int64? = nil
    ) {
        self.code = code
        self.message = message
        self.expectedSequence = expectedSequence
        self.peerVersion = peerVersion
        self.supportedVersions = supportedVersions
        self.limit = limit
    }

    package var httpStatus: Int { code.httpStatus }
    package var description: String { "\(code.rawValue): \(message)" }

    /// The reply to a message that failed to decode.
    package init(_ error: SyncDecodingError) {
        if case .unsupportedVersion(let mismatch) = error.problem {
            self.init(mismatch)
        } else {
            self.init(code: error.code, message: error.description)
        }
    }

    package init(_ mismatch: VersionMismatch) {
        self.init(
            code: .unsupportedProtocolVersion, message: mismatch.description,
            peerVersion: mismatch.peerVersion, supportedVersions: mismatch.supported)
    }

    package init(wire: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(wire, path: path)
        // An error body is read whatever its version, so a node can show central's message
        // even when the versions differ.
        _ = try reader.integer("protocol_version")
        self = try reader.object("error") { (value, path) throws(SyncDecodingError) in
            var error = try JSONObjectReader(value, path: path)
            let code = try error.enumeration("code", as: ErrorCode.self)
            let message = try error.string("message")
            let expected = try error.optionalInteger("expected_sequence", in: 1...Int64.max)
            let peer = try error.optionalInteger("peer_version")
            var supported: ClosedRange<Int64>?
            if let range = try error.optionalObject(
                "supported_versions",
                { (value, path) throws(SyncDecodingError) in
                    var bounds = try JSONObjectReader(value, path: path)
                    let low = try bounds.integer("min")
                    let high = try bounds.integer("max", in: low...Int64.max)
                    try bounds.finish()
                    return low...high
                })
            {
                supported = range
            }
            let limit = try error.optionalInteger("limit")
            try error.finish()
            return ErrorResponse(
                code: code, message: message, expectedSequence: expected, peerVersion: peer,
                supportedVersions: supported, limit: limit)
        }
        try reader.finish()
    }

    package var wire: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message)]
        if let expectedSequence { error["expected_sequence"] = .integer(expectedSequence) }
        if let peerVersion { error["peer_version"] = .integer(peerVersion) }
        if let supportedVersions {
            error["supported_versions"] = .object([
                "min": .integer(supportedVersions.lowerBound), "max": .integer(supportedVersions.upperBound),
            ])
        }
        if let limit { error["limit"] = .integer(limit) }
        return .object(["protocol_version": .integer(ProtocolVersion.current), "error": .object(error)])
    }
}
