import StaffAuth

/// Request rate limits per bearer token: a token bucket each, refilled at `rate` per second up
/// to `burst`. Requests without a token share one bucket. Buckets are keyed by the token's
/// SHA-256, so the secret itself is not kept. Loop-confined, like the endpoints that own it.
final class TokenRateLimiter {
    struct Configuration: Sendable {
        /// Requests per second per token, sustained.
        var rate: Double
        /// Requests a token may make at once after being idle.
        var burst: Double
    }

    private struct Bucket {
        var tokens: Double
        var updatedMillis: UInt64
    }

    /// Buckets kept before full ones are forgotten (a full bucket is the same as no bucket).
    static let maximumBuckets = 10_000

    let configuration: Configuration
    private var buckets: [[UInt8]: Bucket] = [:]

    init(_ configuration: Configuration) {
        precondition(
            configuration.rate > 0 && configuration.burst >= 1,
            "a rate limit needs a positive rate and a burst of at least 1")
        self.configuration = configuration
    }

    /// Takes one request from `token`'s bucket at `nowMillis`: nil when admitted, else the
    /// whole seconds until a request will be (for `Retry-After`).
    func admit(token: String?, nowMillis: UInt64) -> Int? {
        let key = token.map(SecretToken.hash) ?? []
        var bucket = buckets[key] ?? Bucket(tokens: configuration.burst, updatedMillis: nowMillis)
        bucket.tokens = min(
            configuration.burst,
            bucket.tokens + Self.seconds(from: bucket.updatedMillis, to: nowMillis) * configuration.rate)
        bucket.updatedMillis = max(bucket.updatedMillis, nowMillis)
        defer {
            if buckets.count >= Self.maximumBuckets, buckets[key] == nil { forgetFullBuckets(nowMillis: nowMillis) }
            buckets[key] = bucket
        }
        guard bucket.tokens >= 1 else {
            let wait = (1 - bucket.tokens) / configuration.rate
            return max(1, Int(wait.rounded(.up)))
        }
        bucket.tokens -= 1
        return nil
    }

    private static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1000 : 0
    }

    private func forgetFullBuckets(nowMillis: UInt64) {
        let burst = configuration.burst, rate = configuration.rate
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Self.seconds(from: bucket.updatedMillis, to: nowMillis) * rate < burst
        }
        // Still full of busy strangers: start over rather than grow without bound.
        if buckets.count >= Self.maximumBuckets { buckets.removeAll() }
    }
}
