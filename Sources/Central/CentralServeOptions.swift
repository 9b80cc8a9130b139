import Integrations
import StaffAuth

/// How `kct central serve` hardens its surface (README, "Central").
package struct CentralServeOptions: Sendable {
    /// Requests per second per bearer token, sustained.
    package var rateLimitPerSecond: Double
    /// Requests a token may make at once.
    package var rateLimitBurst: Double
    /// `/healthz` and `/metrics` answer to any peer, not only loopback ones.
    package var publicMetrics: Bool
    /// Stripe, EasyPost and SendGrid credentials (`--integrations FILE` or the environment);
    /// each optional (issue 12).
    package var integrations: IntegrationsConfiguration
    /// Compact the log by this policy every `compactionInterval` (nil: never; `kct central compact`
    /// does it on demand).
    package var compaction: CompactionPolicy?
    package var compactionInterval: Duration = .seconds(3600)

    /// Above what a well-behaved node sends: a sync cycle makes at most two requests (push, pull),
    /// and a node starts edit-triggered cycles at least `SyncEngine.Configuration.minimumCycleSpacing`
    /// (10 ms) apart, so ≤ 200 requests/s while staff edit without pause. Measured: at 50/s a
    /// node editing every 20 ms ran out of burst after ~2.5 s and every 429 cost a 0.5 s backoff.
    package static let defaultRateLimitPerSecond = 200.0
    package static let defaultRateLimitBurst = 400.0

    package init(
        rateLimitPerSecond: Double = defaultRateLimitPerSecond, rateLimitBurst: Double = defaultRateLimitBurst,
        publicMetrics: Bool = false, integrations: IntegrationsConfiguration = IntegrationsConfiguration()
    ) {
        self.integrations = integrations
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.publicMetrics = publicMetrics
    }

    var rateLimit: TokenRateLimiter.Configuration { .init(burst: rateLimitBurst, perSecond: rateLimitPerSecond) }
}
