import StaffAuth

/// Request rate limits of the local API, one token bucket per session: a screen may burst up
/// to `burst` requests, then `perSecond` on average; beyond that it gets 429 with how long to
/// wait. Buckets are keyed by the SHA-256 of the session token (the token itself is not kept).
/// Loop-confined, like the API that owns it.
struct RateLimiter {
    typealias Configuration = APIRateLimit

    private struct Bucket {
        var tokens: Double
        var updatedAt: ContinuousClock.Instant
    }

    let configuration: Configuration
    private var buckets: [[UInt8]: Bucket] = [:]

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Takes one request from the bucket of `token`; nil when allowed, else the seconds to wait.
    mutating func take(token: String, now: ContinuousClock.Instant = .now) -> Int? {
        let key = SecretToken.hash(token)
        if buckets.count > 10_000 { dropFullBuckets(now: now) }
        var bucket = buckets[key] ?? Bucket(tokens: configuration.burst, updatedAt: now)
        let elapsed = now - bucket.updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(configuration.burst, bucket.tokens + seconds * configuration.perSecond)
        bucket.updatedAt = now
        defer { buckets[key] = bucket }
        guard bucket.tokens >= 1 else {
            return Int(((1 - bucket.tokens) / configuration.perSecond).rounded(.up))
        }
        bucket.tokens -= 1
        return nil
    }

    /// Forgets buckets that have refilled (their sessions are idle), so the table stays small.
    private mutating func dropFullBuckets(now: ContinuousClock.Instant) {
        let refill = Duration.seconds(configuration.burst / configuration.perSecond)
        buckets = buckets.filter { now - $0.value.updatedAt < refill }
    }
}

/// How many requests a session may make to the local API: bursts of `burst`, `perSecond` on
/// average.
package struct APIRateLimit: Sendable {
    package var burst: Double = 200
    package var perSecond: Double = 100

    package init(burst: Double = 200, perSecond: Double = 100) {
        self.burst = burst
        self.perSecond = perSecond
    }
}
