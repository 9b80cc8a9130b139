import CLibUV

/// How late the loop runs timers: a timer fires every `interval`; the time past its due moment is
/// the lag (work blocking the loop shows up here). Keeps the most recent `window` samples.
package final class LoopLagMonitor {
    private unowned let loop: EventLoop
    private var timer: LoopTimer?
    private let intervalNanoseconds: UInt64
    private var lastFire: UInt64
    /// Ring buffer of recent lags in nanoseconds.
    private var recent: [UInt64]
    private var nextSlot = 0
    private var sampleCount = 0
    private var maxLag: UInt64 = 0

    init(loop: EventLoop, interval: Duration, window: Int) {
        precondition(window > 0, "lag window must hold at least one sample")
        intervalNanoseconds = interval.uvMilliseconds * 1_000_000
        recent = Array(repeating: 0, count: window)
        lastFire = uv_hrtime()
        self.loop = loop
        let timer = LoopTimer(loop: loop, loopInternal: true) { [weak self] _ in self?.sample() }
        timer.unref()
        timer.start(after: interval, repeating: interval)
        self.timer = timer
    }

    private func sample() {
        let now = uv_hrtime()
        let due = lastFire + intervalNanoseconds
        let lag = now > due ? now - due : 0
        lastFire = now
        recent[nextSlot] = lag
        nextSlot = (nextSlot + 1) % recent.count
        sampleCount += 1
        maxLag = max(maxLag, lag)
    }

    /// Lag figures over the recent window; all in milliseconds.
    package var snapshot: LoopLagSnapshot {
        loop.assertInLoopThread()
        let filled = Array(recent.prefix(min(sampleCount, recent.count))).sorted()
        func percentile(_ p: Double) -> Double {
            guard !filled.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(filled.count)).rounded(.up)) - 1
            return Double(filled[min(max(rank, 0), filled.count - 1)]) / 1e6
        }
        return LoopLagSnapshot(
            samples: sampleCount,
            lastMilliseconds: sampleCount == 0 ? 0 : Double(recent[(nextSlot + recent.count - 1) % recent.count]) / 1e6,
            p50Milliseconds: percentile(50), p99Milliseconds: percentile(99),
            maxMilliseconds: Double(maxLag) / 1e6)
    }

    func close() { timer?.close() }
}

/// Event-loop lag for metrics (`kct_event_loop_lag_*`).
package struct LoopLagSnapshot: Sendable, Equatable {
    /// Samples taken since the loop started.
    package var samples: Int
    package var lastMilliseconds: Double
    /// Over the recent window.
    package var p50Milliseconds: Double
    package var p99Milliseconds: Double
    /// Since the loop started.
    package var maxMilliseconds: Double
}
