/// The sync protocol's version. Every message carries it in `protocol_version`; a peer that
/// speaks another version gets `unsupported_protocol_version` (HTTP 426) naming both.
package enum ProtocolVersion {
    /// The version this build speaks.
    /// 2 added integration requests and the provider answers (SYNC-PROTOCOL.md §4.8): a version-1
    /// node would refuse them as unknown fields, so version 1 is no longer accepted.
    /// 3 added snapshot bootstrap (`GET /v1/snapshot`) and log compaction (410
    /// `cursor_compacted`, SYNC-PROTOCOL.md §4.9–4.10): a version-2 node would neither read the
    /// new error code nor know to bootstrap, so version 2 is no longer accepted.
    package static let current: Int64 = 3
    /// 4 added compact snapshot pages (SYNC-PROTOCOL.md §4.9.1): a `GET /v1/snapshot` sent at
    /// version 4 is answered with a binary page, one sent at 3 with the JSON page. The snapshot
    /// page is all that differs, so only that request is sent at 4 (`snapshotVersions`); every
    /// JSON message is version 3's and says 3, and its golden vectors stand.
    package static let compactSnapshotPages: Int64 = 4
    /// The versions this build accepts from a peer. Widen when a later version stays readable.
    package static let supported: ClosedRange<Int64> = 3...3
    /// The versions a snapshot request may be sent at, and a compact page say.
    package static let snapshotVersions: ClosedRange<Int64> = 3...4

    /// Header carrying the version on requests without a body (`GET /v1/pull`, `GET /v1/stream`).
    package static let headerName = "KCT-Protocol-Version"

    /// Checks a peer's version (against `snapshotVersions` for a snapshot).
    package static func check(_ peerVersion: Int64, accepting: ClosedRange<Int64> = supported)
        throws(VersionMismatch)
    {
        guard accepting.contains(peerVersion) else {
            throw VersionMismatch(peerVersion: peerVersion, supported: accepting)
        }
    }

    /// Reads and checks `protocol_version` first, so a message from another version is refused
    /// as such rather than as a pile of unknown fields.
    static func read(_ reader: inout JSONObjectReader) throws(SyncDecodingError) {
        let version = try reader.integer("protocol_version")
        do {
            try check(version)
        } catch {
            throw SyncDecodingError(path: reader.childPath("protocol_version"), problem: .unsupportedVersion(error))
        }
    }
}

/// A peer speaking a protocol version this side does not.
package struct VersionMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    package let peerVersion: Int64
    package let supported: ClosedRange<Int64>

    package var description: String {
        let ours =
            supported.count == 1 ? "\(supported.lowerBound)" : "\(supported.lowerBound) to \(supported.upperBound)"
        return "peer speaks sync protocol version \(peerVersion); this side speaks version \(ours)"
    }
}
