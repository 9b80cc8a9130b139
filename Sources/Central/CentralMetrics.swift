import EventLoop
import Prometheus
import SyncCore

/// Central's Prometheus metrics (`GET /metrics`). Counters are bumped on the loop thread as
/// requests finish; gauges are read at scrape time.
final class CentralMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let pushes: Counter
    let pulls: Counter
    let changes: [ChangeOutcome.Result: Counter]
    let clamped: Counter
    let protocolErrors: Counter
    let rateLimited: Counter
    /// Requests refused for their token, by reason; counted by the store, copied at scrape time.
    let refusedTokens: RefusedTokenCounts
    let refusedTokenGauges: [RefusedTokenCounts.Reason: Gauge]
    let streams: Gauge
    let head: Gauge
    let lagP50: Gauge
    let lagP99: Gauge
    let lagMax: Gauge
    /// Provider calls started, by effect kind.
    let effectAttempts: [EffectKind: Counter]
    /// Effects settled, by state (pending: an attempt that will be retried).
    let effectOutcomes: [EffectState: Counter]
    /// Webhook deliveries, by provider and result (accepted, duplicate, refused).
    let webhooks: [String: Counter]

    init(refusedTokens: RefusedTokenCounts) {
        self.refusedTokens = refusedTokens
        pushes = registry.makeCounter(descriptor: Self.name("sync_pushes", "total", "Pushes settled (200 replies)."))
        pulls = registry.makeCounter(descriptor: Self.name("sync_pulls", "total", "Pull pages served."))
        var changes: [ChangeOutcome.Result: Counter] = [:]
        for result in ChangeOutcome.Result.allCases {
            changes[result] = registry.makeCounter(
                descriptor: Self.name(
                    "sync_changes", "total", "Pushed changes settled, by outcome (replays not counted)."),
                labels: [("result", result.rawValue)])
        }
        self.changes = changes
        clamped = registry.makeCounter(
            descriptor: Self.name(
                "sync_clamped_changes", "total", "Changes re-stamped because their clock ran too far ahead."))
        protocolErrors = registry.makeCounter(
            descriptor: Self.name("sync_refused_requests", "total", "Requests refused with a protocol error (4xx/5xx).")
        )
        rateLimited = registry.makeCounter(
            descriptor: Self.name(
                "sync_rate_limited_requests", "total", "Requests refused with 429 by the per-token rate limit."))
        var refused: [RefusedTokenCounts.Reason: Gauge] = [:]
        for reason in RefusedTokenCounts.Reason.allCases {
            refused[reason] = registry.makeGauge(
                descriptor: Self.name(
                    "auth_refused_requests", "count",
                    "Requests refused for their bearer token since start, by reason (the token is never logged)."),
                labels: [("reason", reason.rawValue)])
        }
        refusedTokenGauges = refused
        streams = registry.makeGauge(descriptor: Self.name("sync_streams", "connected", "Open /v1/stream subscribers."))
        head = registry.makeGauge(descriptor: Self.name("sync_log_head", "version", "Latest log version."))
        let lag = Self.name("event_loop_lag", "seconds", "Event-loop timer lateness over the recent window.")
        lagP50 = registry.makeGauge(descriptor: lag, labels: [("quantile", "0.5")])
        lagP99 = registry.makeGauge(descriptor: lag, labels: [("quantile", "0.99")])
        lagMax = registry.makeGauge(
            descriptor: Self.name("event_loop_lag_max", "seconds", "Largest event-loop timer lateness since start."))
        var attempts: [EffectKind: Counter] = [:]
        for kind in EffectKind.allCases {
            attempts[kind] = registry.makeCounter(
                descriptor: Self.name("effect_attempts", "total", "Provider calls started by the effects ledger."),
                labels: [("kind", kind.rawValue)])
        }
        effectAttempts = attempts
        var outcomes: [EffectState: Counter] = [:]
        for state in EffectState.allCases where state != .cancelled {
            outcomes[state] = registry.makeCounter(
                descriptor: Self.name(
                    "effect_outcomes", "total", "Effect attempts recorded, by resulting state (pending: will retry)."),
                labels: [("state", state.rawValue)])
        }
        effectOutcomes = outcomes
        var webhooks: [String: Counter] = [:]
        for provider in ["stripe", "easypost", "sendgrid"] {
            for result in ["accepted", "duplicate", "refused"] {
                webhooks["\(provider)/\(result)"] = registry.makeCounter(
                    descriptor: Self.name("webhooks", "total", "Provider webhook deliveries, by provider and result."),
                    labels: [("provider", provider), ("result", result)])
            }
        }
        self.webhooks = webhooks
    }

    func recordEffect(_ state: EffectState) { effectOutcomes[state]?.increment() }

    func recordWebhook(_ provider: String, _ result: String) { webhooks["\(provider)/\(result)"]?.increment() }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "kct", metricName: metric, unitName: unit, helpText: help)
    }

    func recordPush(_ result: PushResult) {
        pushes.increment()
        for (outcome, count) in result.settled { changes[outcome]?.increment(by: Int64(count)) }
        if result.clamped > 0 { clamped.increment(by: Int64(result.clamped)) }
    }

    /// The text exposition, with the gauges brought up to date.
    func render(streams: Int, headVersion: Int64, lag: LoopLagSnapshot?) -> [UInt8] {
        self.streams.set(Double(streams))
        head.set(Double(headVersion))
        for (reason, gauge) in refusedTokenGauges { gauge.set(Double(refusedTokens[reason])) }
        if let lag {
            lagP50.set(lag.p50Milliseconds / 1000)
            lagP99.set(lag.p99Milliseconds / 1000)
            lagMax.set(lag.maxMilliseconds / 1000)
        }
        return registry.emitToBuffer()
    }
}
