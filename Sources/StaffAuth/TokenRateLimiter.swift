/// Request rate limits per bearer token, for central's endpoints and the node's local API: a
/// token bucket each, refilled at `perSecond` up to `burst`. Requests without a token share one
/// bucket. Buckets are keyed by the token's SHA-256, so the secret itself is not kept. Not
/// thread-safe: each owner uses it from its event loop only.
package final class TokenRateLimiter {
    package struct Configuration: Sendable {
        /// Requests a token may make at once after being idle.
        package var burst: Double
        /// Requests per second per token, sustained.
        package var perSecond: Double

        package init(burst: Double, perSecond: Double) {
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    private struct Bucket {
        var tokens: Double
        var updatedMillis: UInt64
    }

    /// Buckets kept before full ones are forgotten (a full bucket is the same as no bucket).
    static let maximumBuckets = 10_000

    package let configuration: Configuration
    private var buckets: [[UInt8]: Bucket] = [:]

    package init(_ configuration: Configuration) {
        precondition(
            configuration.perSecond > 0 && configuration.burst >= 1,
            "a rate limit needs a positive rate and a burst of at least 1")
        self.configuration = configuration
    }

    /// Takes one request from `token`'s bucket at `nowMillis` (a monotonic clock): nil when
    /// admitted, else the whole seconds until a request will be (for `Retry-After`).
    package func admit(token: String?, nowMillis: UInt64) -> Int? {
        let key = token.map(SecretToken.hash) ?? []
        var bucket = buckets[key] ?? Bucket(tokens: configuration.burst, updatedMillis: nowMillis)
        bucket.tokens = min(
            configuration.burst,
            bucket.tokens + Self.seconds(from: bucket.updatedMillis, to: nowMillis) * configuration.perSecond)
        bucket.updatedMillis = max(bucket.updatedMillis, nowMillis)
        defer {
            if buckets.count >= Self.maximumBuckets, buckets[key] == nil { forgetFullBuckets(nowMillis: nowMillis) }
            buckets[key] = bucket
        }
        guard bucket.tokens >= 1 else {
            let wait = (1 - bucket.tokens) / configuration.perSecond
            return max(1, Int(wait.rounded(.up)))
        }
        bucket.tokens -= 1
        return nil
    }

    private static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1000 : 0
    }

    private func forgetFullBuckets(nowMillis: UInt64) {
        let burst = configuration.burst, perSecond = configuration.perSecond
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Self.seconds(from: bucket.updatedMillis, to: nowMillis) * perSecond < burst
        }
        // Still full of busy strangers: start over rather than grow without bound.
        if buckets.count >= Self.maximumBuckets { buckets.removeAll() }
    }
}
