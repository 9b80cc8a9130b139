/// Exponential backoff with jitter for retrying central: `initial`, doubled per consecutive
/// failure up to `maximum`, plus up to `jitter` × the delay at random so many nodes that lost
/// central together do not come back in step.
package struct Backoff: Sendable {
    package var initial: Duration
    package var maximum: Duration
    package var jitter: Double
    package private(set) var failures = 0

    package init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), jitter: Double = 0.2) {
        precondition(
            initial > .zero && maximum >= initial && jitter >= 0,
            "backoff needs 0 < initial ≤ maximum and jitter ≥ 0")
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// Counts a failure and returns how long to wait before the next attempt.
    package mutating func nextDelay<R: RandomNumberGenerator>(using random: inout R) -> Duration {
        failures += 1
        var delay = initial * Int(1 << min(failures - 1, 20))
        if delay > maximum { delay = maximum }
        if jitter > 0 { delay += delay * Double.random(in: 0...jitter, using: &random) }
        return delay
    }

    package mutating func nextDelay() -> Duration {
        var random = SystemRandomNumberGenerator()
        return nextDelay(using: &random)
    }

    /// A success: the next failure starts from `initial` again.
    package mutating func reset() { failures = 0 }
}
