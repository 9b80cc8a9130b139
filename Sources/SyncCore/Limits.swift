/// Limits of the protocol, enforced by central and respected by nodes.
package enum ProtocolLimits {
    /// Largest request body central reads, after gzip decompression (413 `payload_too_large`).
    package static let maximumBodyBytes = 8 * 1024 * 1024
    /// Most changes in one push (413 `batch_too_large`).
    package static let maximumChangesPerPush = 1000
    /// Default and largest page of a pull.
    package static let defaultPullLimit = 500
    package static let maximumPullLimit = 5000
    /// Seconds between SSE heartbeats (comment lines) on `/v1/stream`.
    package static let streamHeartbeatSeconds = 15
}
