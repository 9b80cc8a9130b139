import EventLoop
import Foundation
import HTTP
import Integrations
import Logging
import SyncCore

/// Runs the effects ledger on central's loop: claims due effects (durably marked in flight
/// before any call), runs each attempt in a task whose provider calls go through the curl-multi
/// client on this loop, and records each outcome with its central changes on the thread pool.
/// Loop-confined; the loop thread only schedules. Wakes when a push or webhook recorded
/// effects, when an attempt settles, and on a timer for retries (and for operators' `kct
/// central effects retry` from another process).
final class EffectRunner: LoopService {
    let loop: EventLoop
    let store: CentralStore
    let planner: EffectPlanner
    let calls: ProviderCalls
    let metrics: CentralMetrics
    let logger: Logger
    /// Told the new head when settling an effect appended central's changes to the log.
    let headAdvanced: (Int64) -> Void
    private let client: HTTPClient
    private var timer: LoopTimer?
    private var running: Set<String> = []
    private var scanning = false
    private var rescan = false
    private var isShuttingDown = false
    /// PostgreSQL: whether this process is the one that runs effects (nil: SQLite, always).
    private let leadership: EffectsLeadership?

    /// Effects attempted at once.
    static let concurrency = 16
    /// Longest sleep between looks at the ledger.
    static let idleScan: Duration = .seconds(2)

    init(
        loop: EventLoop, store: CentralStore, configuration: IntegrationsConfiguration, metrics: CentralMetrics,
        logger: Logger, headAdvanced: @escaping (Int64) -> Void
    ) throws(HTTPClientError) {
        loop.assertInLoopThread()
        self.loop = loop
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.headAdvanced = headAdvanced
        leadership = store.postgresPool.map { EffectsLeadership(url: $0.url) }
        planner = EffectPlanner(configuration: configuration)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.defaultTimeout = ProviderCalls.timeout
        clientConfiguration.userAgent = "kct-central"
        client = try HTTPClient(loop: loop, configuration: clientConfiguration, logger: logger)
        let clock = store.wallClockMillis
        calls = ProviderCalls(client: LoopBound(client, loop: loop), configuration: configuration, nowMillis: clock)
        loop.register(self)
        timer = loop.makeTimer(managedByOwner: true) { [unowned self] _ in wake() }
        wake()
    }

    func beginShutdown() {
        isShuttingDown = true
        timer?.close()
        timer = nil
    }

    func forceClose() { beginShutdown() }

    /// Looks for due effects now.
    func wake() {
        loop.assertInLoopThread()
        guard !isShuttingDown else { return }
        guard !scanning else {
            rescan = true
            return
        }
        let free = Self.concurrency - running.count
        guard free > 0 else { return }
        scanning = true
        rescan = false
        let store = self.store
        let busy = running
        let leadership = self.leadership
        loop.offload({ () throws -> ([ClaimedEffect], Int64?) in
            // Another process runs them; this one looks again at the next idle scan.
            guard leadership?.holds() ?? true else { return ([], nil) }
            let claimed = try store.claimDueEffects(excluding: busy, limit: free)
            return (claimed, try store.nextEffectDue())
        }) { [self] outcome in
            scanning = false
            guard !isShuttingDown else { return }
            switch outcome {
            case .success(let (claimed, nextDue)):
                for effect in claimed { start(effect) }
                schedule(nextDue: claimed.count == free ? nil : nextDue, full: claimed.count == free)
            case .failure(let error):
                logger.error("effects ledger: cannot claim due effects: \(error)")
                schedule(nextDue: nil, full: false)
            }
            if rescan { wake() }
        }
    }

    private func schedule(nextDue: Int64?, full: Bool) {
        var delay = Self.idleScan
        if let nextDue {
            let now = Int64(store.wallClockMillis())
            delay = min(delay, .milliseconds(max(10, nextDue - now)))
        }
        if full { delay = .milliseconds(10) }
        timer?.start(after: delay)
    }

    private func start(_ claimed: ClaimedEffect) {
        let id = claimed.record.id
        running.insert(id)
        metrics.effectAttempts[claimed.record.kind]?.increment()
        CrashPoint.reached(.effectClaimed)
        let calls = self.calls
        let store = self.store
        let planner = self.planner
        let loop = self.loop
        let runner = LoopBound(self, loop: loop)
        Task {
            let attempt = await calls.attempt(claimed)
            let settled = try? await loop.offload { try store.settle(id, attempt, planner: planner) }
            _ = try? await loop.submit { _ in runner.value.finished(id, settled: settled) }
        }
    }

    private func finished(_ id: String, settled: AuthoringResult<EffectState?>?) {
        running.remove(id)
        if let settled {
            if let state = settled.output { metrics.recordEffect(state) }
            headAdvanced(settled.headVersion)
        } else {
            logger.error("effects ledger: could not record the outcome of \(id); it is retried")
        }
        wake()
    }
}

extension EffectPlanner {
    init(configuration: IntegrationsConfiguration) {
        var configured: Set<IntegrationProvider> = []
        if configuration.stripe != nil { configured.insert(.stripe) }
        if configuration.easyPost != nil { configured.insert(.easyPost) }
        if configuration.sendGrid != nil { configured.insert(.sendGrid) }
        self.init(configured: configured)
    }
}
