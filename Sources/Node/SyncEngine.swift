import EventLoop
import Foundation
import HTTP
import Logging
import Store
import SyncCore

/// Where and as whom this node syncs.
package struct SyncEndpoint: Sendable, Equatable {
    /// Central's base URL, e.g. `http://127.0.0.1:8700` (no trailing slash needed).
    package var centralURL: String
    package var token: String
    package var nodeID: String

    package init(centralURL: String, token: String, nodeID: String) {
        var url = centralURL
        while url.hasSuffix("/") { url.removeLast() }
        self.centralURL = url
        self.token = token
        self.nodeID = nodeID
    }
}

extension SyncSettings {
    /// Where this node syncs, once it has both a central and a token.
    func endpoint(nodeID: String) -> SyncEndpoint? {
        guard let centralURL, let token else { return nil }
        return SyncEndpoint(centralURL: centralURL, token: token, nodeID: nodeID)
    }
}

/// The node's side of the sync protocol (protocol/SYNC-PROTOCOL.md §8), on one event loop: a
/// cycle negotiates the version once (`GET /healthz`), pushes the outbox in batches until it is
/// empty, then pulls from the cursor until `has_more` is false. Cycles start on request
/// (`syncNow`, or `syncSoon` after edits), when the stream says the log moved past
/// the cursor, when the stream (re)connects, and on a retry timer with exponential backoff and
/// jitter after a failure — so a failed upload is retried even if no new edit arrives.
/// Errors retrying cannot fix (401, 403, 426, sequence_reused) halt syncing until the daemon is
/// restarted or `kct join` gives it another central or token (`NodeDaemon.adopt`).
/// After pulling, a cycle refreshes the staff accounts (at most every `accountsInterval`) and
/// uploads the sign-in events (`SyncEngine+Accounts.swift`).
///
/// Every database step runs on the loop's thread pool (`offload`); the loop thread only sends,
/// receives and decides. Loop-confined.
package final class SyncEngine {
    package struct Configuration: Sendable {
        /// Least time between the starts of two edit-triggered cycles: the first edit after a
        /// pause syncs at once; an edit within this spacing of the last cycle's start waits for
        /// the rest of it. Keeps a node editing without pause at ≤ 100 cycles/s, within central's
        /// default per-token rate limit (`CentralServeOptions`).
        package var minimumCycleSpacing: Duration = .milliseconds(10)
        package var backoff = Backoff()
        package var pushBatchLimit = ProtocolLimits.maximumChangesPerPush
        package var pullPageLimit = ProtocolLimits.defaultPullLimit
        /// Orders per snapshot page while bootstrapping (SyncEngine+Bootstrap.swift).
        package var snapshotPageLimit = SnapshotRequest.defaultLimit
        /// Asks for compact snapshot pages (protocol version 4, SYNC-PROTOCOL.md §4.9.1); false
        /// asks at version 3 for JSON pages.
        package var compactSnapshotPages = true
        package var requestTimeout: Duration = .seconds(30)
        /// The stream to central tries again at least every 0.5 s while central is away, so a
        /// central that comes back is noticed (the stream's reconnect starts a sync) within about
        /// a second, as the web app's sync bar promises; a refused connection costs next to nothing.
        package var stream: EventSource.Configuration = {
            var stream = EventSource.Configuration()
            stream.maxBackoff = .milliseconds(500)
            return stream
        }()
        /// Least time between two fetches of central's accounts (`GET /v1/accounts`), which ride
        /// on sync cycles; the first cycle of an engine always fetches them.
        package var accountsInterval: Duration = .seconds(10)

        package init() {}
    }

    package enum Phase: Equatable, Sendable {
        case idle
        case syncing
        /// A cycle failed; the retry timer will start the next one.
        case waitingToRetry
        /// A failure retrying cannot fix; see `lastError`.
        case halted
        case stopped
    }

    /// What one successful cycle did.
    package struct CycleReport: Sendable, Equatable {
        package var pushedChanges = 0
        package var pulledEntries = 0
        /// Orders merged from snapshot pages (a bootstrap), and snapshots started over this cycle.
        package var snapshotOrders = 0
        var snapshotRestarts = 0
        package var conflictsRecorded = 0
        package var cursor: Int64 = 0
        package var headVersion: Int64 = 0
    }

    package let loop: EventLoop
    package let endpoint: SyncEndpoint
    package let configuration: Configuration
    let client: HTTPClient
    let store: OrderStore
    let logger: Logger

    package private(set) var phase: Phase = .idle
    package private(set) var lastError: SyncError?
    /// The pull cursor as of the last page merged (or read at the start of a pull).
    package private(set) var cursor: Int64 = 0
    /// Central's head as last heard (healthz, push reply, pull page or stream event).
    package private(set) var headVersion: Int64?
    package private(set) var completedCycles = 0
    package private(set) var failedCycles = 0
    /// Failed cycles since the last success: what the backoff has grown from.
    package private(set) var consecutiveFailures = 0
    /// When the retry timer starts the next cycle (nil unless waiting to retry).
    package private(set) var nextRetryAt: Date?
    package private(set) var isStreamOpen = false

    /// After every cycle, on the loop thread (`kct sync now` and tests wait on it).
    package var onCycleFinished: ((Result<CycleReport, SyncError>) -> Void)?
    /// Orders a push reply or a pull page changed in the replica.
    package var onReplicaChanged: ((Set<String>) -> Void)?
    /// After every snapshot page merged while bootstrapping; true with the last one.
    package var onBootstrapProgress: ((BootstrapProgress, Bool) -> Void)?
    /// After a successful cycle that left the cursor at central's head (the daemon verifies
    /// checksums then: SyncEngine+Verify.swift).
    package var onCaughtUp: ((CycleReport) -> Void)?

    private var negotiated = false
    private var rerunRequested = false
    private var inFlight: HTTPClientTask?
    private var spacingTimer: LoopTimer?
    /// When the last cycle started, for `minimumCycleSpacing`.
    private var lastCycleStartedAt: ContinuousClock.Instant?
    private var retryTimer: LoopTimer?
    private var stream: EventSource?
    private var backoff: Backoff
    var report = CycleReport()
    /// The sequence a `sequence_gap` asked for in this cycle (asked twice for the same → give up).
    private var resendRequested: Int64?
    /// When central's accounts were last fetched (nil: never, so the next cycle fetches).
    var accountsFetchedAt: ContinuousClock.Instant?
    /// Central refused a snapshot request at version 4 (it predates compact pages): this engine
    /// asks for JSON pages from then on.
    var compactSnapshotsRefused = false

    package init(
        loop: EventLoop, client: HTTPClient, store: OrderStore, endpoint: SyncEndpoint,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "kct.node.sync")
    ) {
        loop.assertInLoopThread()
        self.loop = loop
        self.client = client
        self.store = store
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.backoff = configuration.backoff
    }

    // MARK: Control

    /// Opens the stream (unless `openStream` is false, as for `kct sync now`) and starts a cycle.
    package func start(openStream: Bool = true) {
        loop.assertInLoopThread()
        if openStream { self.openStream() }
        syncNow()
    }

    /// After an edit: syncs at once when idle (and the last cycle started at least
    /// `minimumCycleSpacing` ago, else when that has passed), so the edit shows on other
    /// workstations within a round trip; a call during a cycle queues one more, so the edits made
    /// while one cycle runs go in one push after it (a burst costs as many cycles as it outlasts,
    /// not one per edit). While waiting to retry the retry timer decides (edits must not defeat
    /// the backoff against an unreachable central).
    ///
    /// Measured: a 50 ms spacing made edits 20 ms apart wait ~30 ms each before they were pushed
    /// (propagation A→B p50 39 ms).
    package func syncSoon() {
        loop.assertInLoopThread()
        switch phase {
        case .halted, .stopped, .waitingToRetry: return
        case .syncing: rerunRequested = true
        case .idle:
            let sinceLastCycle = lastCycleStartedAt.map { ContinuousClock.now - $0 }
            guard let sinceLastCycle, sinceLastCycle < configuration.minimumCycleSpacing else { return runCycle() }
            if spacingTimer == nil {
                spacingTimer = loop.makeTimer { [weak self] _ in self?.syncNow() }
            }
            spacingTimer?.start(after: configuration.minimumCycleSpacing - sinceLastCycle)
        }
    }

    /// Starts a cycle now (or right after the running one).
    package func syncNow() {
        loop.assertInLoopThread()
        switch phase {
        case .halted, .stopped: return
        case .syncing: rerunRequested = true
        case .idle, .waitingToRetry:
            retryTimer?.stop()
            spacingTimer?.stop()
            runCycle()
        }
    }

    /// Stops for good: timers, the stream, and the request in flight (cancelled; central settles
    /// by sequence, so a push cut short is simply sent again next time).
    package func stop() {
        loop.assertInLoopThread()
        guard phase != .stopped else { return }
        phase = .stopped
        spacingTimer?.close()
        spacingTimer = nil
        retryTimer?.close()
        retryTimer = nil
        stream?.close()
        stream = nil
        isStreamOpen = false
        inFlight?.cancel()
        inFlight = nil
    }

    // MARK: The cycle

    private func runCycle() {
        phase = .syncing
        lastCycleStartedAt = .now
        rerunRequested = false
        resendRequested = nil
        report = CycleReport()
        if negotiated { pushNext(resendFrom: nil) } else { checkHealth() }
    }

    /// `GET /healthz` before the first push: never send changes a central cannot read.
    private func checkHealth() {
        let request = HTTPClientRequest(
            method: .get, url: endpoint.centralURL + "/healthz", timeout: configuration.requestTimeout)
        send(request, endpoint: "/healthz") { [self] result in
            switch result {
            case .failure(let error): fail(error)
            case .success(let response):
                let health: HealthResponse
                do { health = try HealthResponse.decode(response.body) } catch {
                    return fail(.badResponse(endpoint: "/healthz", status: response.status.code, message: "\(error)"))
                }
                do throws(VersionMismatch) { _ = try health.negotiate() } catch { return fail(.versionMismatch(error)) }
                negotiated = true
                noteHead(health.headVersion)
                pushNext(resendFrom: nil)
            }
        }
    }

    /// The next batch of the outbox (or, after a `sequence_gap`, the batch from the sequence
    /// central expects); an empty outbox moves on to pulling.
    private func pushNext(resendFrom: Int64?) {
        let limit = configuration.pushBatchLimit
        let nodeID = endpoint.nodeID
        withStore({ store throws(StoreError) -> PushRequest? in
            if let resendFrom {
                let changes = try store.outboxEntries(after: resendFrom - 1, limit: limit)
                return changes.isEmpty ? nil : PushRequest(nodeID: nodeID, changes: changes)
            }
            return try store.nextPush(limit: limit)
        }) { [self] request in
            guard let request else {
                if let resendFrom { return fail(.cannotResend(expected: resendFrom, firstAvailable: nil)) }
                return pullOrBootstrap()
            }
            if let resendFrom, request.changes.first?.sequence != resendFrom {
                return fail(.cannotResend(expected: resendFrom, firstAvailable: request.changes.first?.sequence))
            }
            post(request)
        }
    }

    private func post(_ push: PushRequest) {
        var headers = protocolHeaders
        headers.set("Content-Type", "application/json")
        let request = HTTPClientRequest(
            method: .post, url: endpoint.centralURL + "/v1/push", headers: headers,
            body: push.encoded(), timeout: configuration.requestTimeout)
        send(request, endpoint: "/v1/push") { [self] result in
            switch result {
            case .failure(.central(let error, _)) where error.code == .sequenceGap:
                guard let expected = error.expectedSequence, expected >= 1, resendRequested != expected else {
                    return fail(.central(error, status: error.httpStatus))
                }
                logger.notice("central asks to resend from sequence \(expected)")
                resendRequested = expected
                pushNext(resendFrom: expected)
            case .failure(let error):
                fail(error)
            case .success(let response):
                let reply: PushResponse
                do { reply = try PushResponse.decode(response.body) } catch {
                    return fail(.badResponse(endpoint: "/v1/push", status: response.status.code, message: "\(error)"))
                }
                noteHead(reply.headVersion)
                withStore({ store throws(StoreError) in try store.applyPushResponse(reply) }) { [self] applied in
                    report.pushedChanges += push.changes.count
                    absorb(applied)
                    pushNext(resendFrom: nil)
                }
            }
        }
    }

    /// Pulls pages from the cursor (read from the replica at the start) until `has_more` is false.
    func pull(after known: Int64?) {
        guard let known else {
            withStore({ store throws(StoreError) in try store.pullCursor() }) { [self] cursor in
                self.cursor = cursor
                pull(after: cursor)
            }
            return
        }
        let url =
            endpoint.centralURL + "/v1/pull?"
            + PullRequest(after: known, limit: configuration.pullPageLimit).queryString
        let request = HTTPClientRequest(
            method: .get, url: url, headers: protocolHeaders, timeout: configuration.requestTimeout)
        send(request, endpoint: "/v1/pull") { [self] result in
            switch result {
            case .failure(.central(let error, _)) where error.code == .cursorCompacted:
                logger.notice("central compacted its log past cursor \(known); bootstrapping, keeping the outbox")
                restartBootstrap()
            case .failure(let error): fail(error)
            case .success(let response):
                let page: PullResponse
                do { page = try PullResponse.decode(response.body) } catch {
                    return fail(.badResponse(endpoint: "/v1/pull", status: response.status.code, message: "\(error)"))
                }
                if page.hasMore && page.nextCursor <= known {
                    return fail(
                        .badResponse(
                            endpoint: "/v1/pull", status: response.status.code,
                            message: "has_more with a cursor that does not advance (\(page.nextCursor))"))
                }
                noteHead(page.headVersion)
                withStore({ store throws(StoreError) in try store.applyPullPage(page) }) { [self] applied in
                    report.pulledEntries += page.entries.count
                    cursor = max(cursor, page.nextCursor)
                    absorb(applied)
                    if page.hasMore { pull(after: page.nextCursor) } else { refreshAccounts() }
                }
            }
        }
    }

    func absorb(_ applied: SyncApplyReport) {
        report.conflictsRecorded += applied.conflictsRecorded
        // Orders touched go to the watcher page by page and are not kept: a cycle that
        // bootstraps a million orders would hold a million ids (~110 MiB at 1M, BENCHMARKS.md).
        if !applied.touchedOrderIDs.isEmpty { onReplicaChanged?(applied.touchedOrderIDs) }
    }

    func finish() {
        report.cursor = cursor
        report.headVersion = headVersion ?? cursor
        phase = .idle
        lastError = nil
        backoff.reset()
        consecutiveFailures = 0
        nextRetryAt = nil
        completedCycles += 1
        record(
            SyncAttempt(at: Date(), succeeded: true, error: nil, headVersion: headVersion), outcome: .success(report))
        // Edits or stream events during the cycle: the next one, after the spacing like any
        // edit-triggered cycle (back-to-back reruns would let a steady stream of edits exceed it).
        if rerunRequested { syncSoon() }
    }

    func fail(_ error: SyncError) {
        guard phase == .syncing else { return }
        lastError = error
        failedCycles += 1
        consecutiveFailures += 1
        nextRetryAt = nil
        if error.isPermanent {
            logger.error("sync halted: \(error)")
            phase = .halted
            stream?.close()
            stream = nil
            isStreamOpen = false
        } else {
            let delay = backoff.nextDelay()
            logger.warning("sync failed; retrying in \(delay): \(error)")
            phase = .waitingToRetry
            let (seconds, attoseconds) = delay.components
            nextRetryAt = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
            if retryTimer == nil {
                retryTimer = loop.makeTimer { [weak self] _ in
                    guard let self, self.phase == .waitingToRetry else { return }
                    self.runCycle()
                }
            }
            retryTimer?.start(after: delay)
        }
        record(
            SyncAttempt(
                at: Date(), succeeded: false, error: error.description, headVersion: headVersion,
                consecutiveFailures: consecutiveFailures, nextRetryAt: nextRetryAt),
            outcome: .failure(error))
    }

    /// Saves the attempt for `kct sync status` (a failure to save is logged, not fatal), then
    /// reports the cycle, so whoever hears of it finds it recorded.
    private func record(_ attempt: SyncAttempt, outcome: Result<CycleReport, SyncError>) {
        let store = self.store
        let logger = self.logger
        loop.offload({ try store.recordSyncAttempt(attempt) }) { [weak self] result in
            if case .failure(let error) = result { logger.error("cannot record the sync attempt: \(error)") }
            self?.onCycleFinished?(outcome)
            if case .success(let report) = outcome, report.cursor >= report.headVersion { self?.onCaughtUp?(report) }
        }
    }

    func noteHead(_ head: Int64) {
        headVersion = max(headVersion ?? 0, head)
    }

    // MARK: Stream

    private func openStream() {
        var headers = protocolHeaders
        headers.set("Accept", "text/event-stream")
        stream = client.openEventStream(
            url: endpoint.centralURL + "/v1/stream", headers: headers, configuration: configuration.stream,
            onStateChange: { [weak self] state in self?.streamStateChanged(state) },
            onEvent: { [weak self] event in self?.streamEvent(event) })
    }

    private func streamStateChanged(_ state: EventSource.State) {
        isStreamOpen = state == .open
        // Pull on every (re)connect: events sent while disconnected were missed, and a stream
        // that opens again means central is back, so a pending retry need not wait out its backoff.
        if state == .open { syncNow() }
    }

    private func streamEvent(_ event: ServerSentEvent) {
        guard event.event == StreamEvent.eventName else { return }
        guard let update = try? StreamEvent.decode(Array(event.data.utf8)) else {
            logger.warning("ignoring an unreadable stream event", metadata: ["data": "\(event.data)"])
            return
        }
        noteHead(update.headVersion)
        if update.headVersion > cursor { syncNow() }
    }

    // MARK: Plumbing

    var protocolHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(endpoint.token)")
        headers.set(ProtocolVersion.headerName, String(ProtocolVersion.current))
        return headers
    }

    /// One HTTP exchange of the current cycle; dropped if the engine stopped meanwhile.
    func send(
        _ request: HTTPClientRequest, endpoint name: String,
        then handle: @escaping (Result<HTTPClientResponse, SyncError>) -> Void
    ) {
        inFlight = client.send(request) { [weak self] result in
            guard let self else { return }
            self.inFlight = nil
            guard self.phase == .syncing else { return }
            handle(result.mapError { Self.classify($0, endpoint: name) })
        }
    }

    static func classify(_ error: HTTPClientError, endpoint: String) -> SyncError {
        guard error.kind == .httpStatus else { return .unreachable(error) }
        let status = error.status?.code ?? 0
        if let body = error.body, let decoded = try? ErrorResponse.decode(body) {
            return .central(decoded, status: status)
        }
        return .badResponse(
            endpoint: endpoint, status: status,
            message: String((error.bodyText ?? "no body").prefix(200)))
    }

    /// Database work on the thread pool; `then` runs on the loop unless the engine stopped meanwhile.
    func withStore<Output: Sendable>(
        _ work: @escaping @Sendable (OrderStore) throws(StoreError) -> Output,
        then: @escaping (Output) -> Void
    ) {
        let store = self.store
        loop.offload({ try work(store) }) { [weak self] result in
            guard let self, self.phase == .syncing else { return }
            switch result {
            case .success(let output): then(output)
            case .failure(let error as StoreError): self.fail(.store(error))
            case .failure(let error): self.fail(.store(.unexpected("\(error)")))
            }
        }
    }
}
