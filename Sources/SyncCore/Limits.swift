/// Limits of the protocol, enforced by central and respected by nodes.
public enum ProtocolLimits {
    /// Largest request body central reads, after gzip decompression (413 `payload_too_large`).
    public static let maximumBodyBytes = 8 * 1024 * 1024
    /// Most changes in one push (413 `batch_too_large`).
    public static let maximumChangesPerPush = 1000
    /// Default and largest page of a pull.
    public static let defaultPullLimit = 500
    public static let maximumPullLimit = 5000
    /// Seconds between SSE heartbeats (comment lines) on `/v1/stream`.
    public static let streamHeartbeatSeconds = 15
}
