/// How `kct central serve` hardens its surface (README, "Central").
public struct CentralServeOptions: Sendable {
    /// Requests per second per bearer token, sustained.
    public var rateLimitPerSecond: Double
    /// Requests a token may make at once.
    public var rateLimitBurst: Double
    /// `/healthz` and `/metrics` answer to any peer, not only loopback ones.
    public var publicMetrics: Bool

    public static let defaultRateLimitPerSecond = 50.0
    public static let defaultRateLimitBurst = 200.0

    public init(
        rateLimitPerSecond: Double = defaultRateLimitPerSecond, rateLimitBurst: Double = defaultRateLimitBurst, publicMetrics: Bool = false
    ) {
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.publicMetrics = publicMetrics
    }

    var rateLimit: TokenRateLimiter.Configuration { .init(rate: rateLimitPerSecond, burst: rateLimitBurst) }
}
