import Foundation

/// The payload of a server-sent event on `GET /v1/stream`: central's log advanced to
/// `headVersion`. The SSE `id` is the same version, so a reconnecting client's
/// `Last-Event-ID` tells central where it was; the node then pulls after its own cursor.
package struct StreamEvent: Hashable, Sendable, WireCodable {
    package static let eventName = "log"

    package var headVersion: Int64

    package init(headVersion: Int64) { self.headVersion = headVersion }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let head = try reader.integer("head_version", in: 0...Int64.max)
        try reader.finish()
        self.init(headVersion: head)
    }

    package var wire: JSONValue {
        .object(["protocol_version": .integer(ProtocolVersion.current), "head_version": .integer(headVersion)])
    }

    /// The version a (re)connecting subscriber has seen, from its `Last-Event-ID` header (0
    /// without one). Central sends an event at once when its head is beyond it.
    package static func resumeVersion(lastEventID: String?) throws(ErrorResponse) -> Int64 {
        guard let text = lastEventID?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return 0 }
        guard let version = Int64(text), version >= 0 else {
            throw ErrorResponse(
                code: .invalidCursor,
                message: "Last-Event-ID must be a log version (a whole number ≥ 0), got '\(text)'")
        }
        return version
    }

    /// The event as written on the stream: `id`, `event` and one `data` line, then a blank line.
    package var sseFrame: String {
        "id: \(headVersion)\nevent: \(Self.eventName)\ndata: \(wire.canonicalString)\n\n"
    }
}

/// `GET /healthz`: central is up, which protocol versions it speaks (how a node negotiates
/// before its first push) and its log head.
package struct HealthResponse: Hashable, Sendable, WireCodable {
    package var status: String
    package var supportedVersions: ClosedRange<Int64>
    package var headVersion: Int64

    package init(
        status: String = "ok", supportedVersions: ClosedRange<Int64> = ProtocolVersion.supported, headVersion: Int64
    ) {
        self.status = status
        self.supportedVersions = supportedVersions
        self.headVersion = headVersion
    }

    /// Health is readable across versions: `protocol_version` is reported, not enforced.
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        _ = try reader.integer("protocol_version")
        let status = try reader.nonEmptyString("status")
        let supported = try reader.object("supported_versions") { (value, path) throws(SyncDecodingError) in
            var bounds = try JSONObjectReader(value, path: path)
            let low = try bounds.integer("min")
            let high = try bounds.integer("max", in: low...Int64.max)
            try bounds.finish()
            return low...high
        }
        let head = try reader.integer("head_version", in: 0...Int64.max)
        try reader.finish()
        self.init(status: status, supportedVersions: supported, headVersion: head)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "status": .string(status),
            "supported_versions": .object([
                "min": .integer(supportedVersions.lowerBound), "max": .integer(supportedVersions.upperBound),
            ]),
            "head_version": .integer(headVersion),
        ])
    }

    /// The version to speak with this central: ours if it accepts it, else a mismatch naming both.
    package func negotiate() throws(VersionMismatch) -> Int64 {
        guard supportedVersions.contains(ProtocolVersion.current) else {
            throw VersionMismatch(peerVersion: supportedVersions.upperBound, supported: ProtocolVersion.supported)
        }
        return ProtocolVersion.current
    }
}
