import EventLoop
import Foundation
import HTTP
import Logging
import StaffAuth
import Store
import SyncCore

/// `kct node run`: one event loop serving the local API and, when a central is configured,
/// syncing with it (`SyncEngine`). Edits made through the API, and by `kct` in other processes
/// (noticed through inotify on the replica's directory, then confirmed by the outbox's last
/// sequence), start a sync (or queue one after the running cycle) and are announced on `GET /api/events`.
///
/// Idle, it wakes only for the stream's heartbeats and the loop's lag sampling: no polling.
/// Shutdown (SIGTERM/SIGINT through `EventLoop.shutdownOnSignals`, or `loop.shutdown()`) stops
/// the timers, closes the stream and the watcher, cancels a request in flight, and lets the
/// API server finish its requests. Loop-confined.
package final class NodeDaemon: LoopService {
    package struct Configuration: Sendable {
        package var listenHost = "127.0.0.1"
        /// 0 picks a free port (read it back from `port`).
        package var listenPort = 8701
        package var sync = SyncEngine.Configuration()
        /// How long after the replica's files change the outbox is checked, so the burst of file
        /// events one commit makes (WAL frames, wal-index) costs one check. It delays every edit
        /// made by `kct` in another process on its way to central.
        package var replicaCheckDelay: Duration = .milliseconds(5)
        /// Requests per session the local API allows.
        package var rateLimit = LocalAPI.defaultRateLimit
        /// Least time between two automatic checksum verifications (after a cycle that caught
        /// up; each covers a sixteenth of the buckets, `AutoVerify`); nil never verifies
        /// automatically (`kct sync verify` still does).
        package var verifyInterval: Duration? = .seconds(300)
        /// How long the daemon waits without work (sync cycles, edits, API requests) before it
        /// gives memory back (`IdleMemoryRelease`); nil never does.
        package var idleMemoryRelease: Duration? = .seconds(2)

        package init() {}
    }

    package let loop: EventLoop
    package let store: OrderStore
    package let configuration: Configuration
    package let api: LocalAPI
    /// Nil when this node has no central (`kct join` sets one; the daemon notices).
    package private(set) var engine: SyncEngine?
    private var client: HTTPClient?
    private let logger: Logger
    private var watcher: ReplicaWatcher?
    private let autoVerify: AutoVerify
    private let idleRelease: IdleMemoryRelease?
    private var checkTimer: LoopTimer?
    private var knownOutboxSequence: Int64
    private let nodeID: String
    private var isChecking = false
    private var checkAgain = false
    /// The outbox grew while an edit of our own API was under way: looked at again once it is
    /// announced, so that only what another process wrote is announced as theirs.
    private var checkAfterAPIEdits = false
    package private(set) var isStopped = false

    /// What the daemon reads from the replica before it starts.
    struct Startup: Sendable {
        var settings: SyncSettings
        var nodeID: String
        var lastOutboxSequence: Int64

        var endpoint: SyncEndpoint? { settings.endpoint(nodeID: nodeID) }
    }

    /// Reads the replica's settings on the thread pool, then starts the API and syncing on the
    /// loop; `completion` gets the running daemon (or why it could not start) on the loop thread.
    package static func launch(
        loop: EventLoop, store: OrderStore, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "kct.node"),
        completion: @escaping (Result<NodeDaemon, any Error>) -> Void
    ) {
        loop.offload({
            Startup(
                settings: try store.syncSettings(), nodeID: store.identity.nodeID,
                lastOutboxSequence: try store.lastOutboxSequence())
        }) { result in
            completion(
                result.flatMap { startup in
                    Result {
                        try NodeDaemon(
                            loop: loop, store: store, startup: startup, configuration: configuration, logger: logger)
                    }
                })
        }
    }

    private init(loop: EventLoop, store: OrderStore, startup: Startup, configuration: Configuration, logger: Logger)
        throws
    {
        loop.assertInLoopThread()
        self.loop = loop
        self.store = store
        self.configuration = configuration
        self.logger = logger
        knownOutboxSequence = startup.lastOutboxSequence
        nodeID = startup.nodeID
        autoVerify = AutoVerify(interval: configuration.verifyInterval, logger: logger)
        idleRelease = configuration.idleMemoryRelease.map { IdleMemoryRelease(loop: loop, store: store, delay: $0) }
        api = try LocalAPI(
            loop: loop, store: store, host: configuration.listenHost, port: configuration.listenPort,
            rateLimit: configuration.rateLimit)
        if let endpoint = startup.endpoint {
            let client = try HTTPClient(loop: loop)
            self.client = client
            engine = SyncEngine(
                loop: loop, client: client, store: store, endpoint: endpoint, configuration: configuration.sync)
        } else {
            client = nil
            engine = nil
            logger.notice("no central configured; serving the local API only (kct join URL --token TOKEN)")
        }
        let directory = (store.path as NSString).deletingLastPathComponent
        let fileName = (store.path as NSString).lastPathComponent
        watcher = try ReplicaWatcher(loop: loop, directory: directory, fileNamePrefix: fileName) { [weak self] in
            self?.replicaFilesChanged()
        }
        var hooks = LocalAPI.Hooks()
        hooks.editMade = { [weak self] orderID, sequence in self?.localEdit(orderID: orderID, outboxSequence: sequence)
        }
        hooks.editsSettled = { [weak self] in self?.apiEditsSettled() }
        hooks.liveSync = { [weak self] in self?.liveSyncState }
        hooks.requestReceived = { [weak self] in self?.idleRelease?.noteActivity() }
        api.hooks = hooks
        engine?.onReplicaChanged = { [weak self] orderIDs in self?.syncChanged(orderIDs) }
        if let engine { autoVerify.watch(engine) }
        idleRelease?.isBusy = { [weak self] in self?.engine?.phase == .syncing }
        loop.register(self)
        engine?.start()
        // What starting mapped and allocated goes back once the first cycle has settled.
        idleRelease?.noteActivity()
    }

    package var port: Int { api.port }

    package var liveSyncState: LiveSyncState? {
        engine.map { LiveSyncState(phase: $0.phase, streamOpen: $0.isStreamOpen, lastError: $0.lastError?.description) }
    }

    // MARK: Noticing edits

    private func localEdit(orderID: String, outboxSequence: Int64) {
        knownOutboxSequence = max(knownOutboxSequence, outboxSequence)
        api.broadcast(orderIDs: [orderID], source: "local")
        engine?.syncSoon()
        idleRelease?.noteActivity()
    }

    private func syncChanged(_ orderIDs: Set<String>) {
        api.broadcast(orderIDs: orderIDs, source: "sync")
        idleRelease?.noteActivity()
    }

    private func replicaFilesChanged() {
        guard !isStopped else { return }
        if checkTimer == nil {
            checkTimer = loop.makeTimer { [weak self] _ in self?.checkOutbox() }
        }
        checkTimer?.start(after: configuration.replicaCheckDelay)
    }

    /// Whether another process added outbox entries since we last looked; if so, announce the
    /// orders they touch and sync soon. Our own merges change the files too but not the outbox.
    private func checkOutbox() {
        guard !isChecking else {
            checkAgain = true
            return
        }
        isChecking = true
        let known = knownOutboxSequence
        let store = self.store
        loop.offload({ () throws -> (Int64, Set<String>, SyncSettings) in
            let settings = try store.syncSettings()
            let last = try store.lastOutboxSequence()
            guard last > known else { return (last, [], settings) }
            return (last, Set(try store.outboxEntries(after: known, limit: 1000).map(\.orderID)), settings)
        }) { [weak self] result in
            guard let self, !self.isStopped else { return }
            self.isChecking = false
            switch result {
            case .success(let (last, orderIDs, settings)):
                self.adopt(settings)
                if last > self.knownOutboxSequence, self.api.editsInFlight > 0 {
                    self.checkAfterAPIEdits = true
                } else if last > self.knownOutboxSequence {
                    self.knownOutboxSequence = last
                    self.api.broadcast(orderIDs: orderIDs, source: "cli")
                    self.engine?.syncSoon()
                    self.idleRelease?.noteActivity()
                }
            case .failure(let error):
                self.logger.error("cannot read the outbox: \(error)")
            }
            if self.checkAgain {
                self.checkAgain = false
                self.checkOutbox()
            }
        }
    }

    private func apiEditsSettled() {
        guard checkAfterAPIEdits, !isStopped else { return }
        checkAfterAPIEdits = false
        checkOutbox()
    }

    /// `kct join` while the daemon runs (a first central, another central, or a new token after
    /// the old one was revoked and syncing halted): a new sync engine takes over at once, with
    /// the old one's observers, instead of waiting for a restart.
    private func adopt(_ settings: SyncSettings) {
        guard let endpoint = settings.endpoint(nodeID: nodeID), endpoint != engine?.endpoint else { return }
        let previous = engine
        previous?.stop()
        do {
            let client = try self.client ?? HTTPClient(loop: loop)
            self.client = client
            let replacement = SyncEngine(
                loop: loop, client: client, store: store, endpoint: endpoint, configuration: configuration.sync)
            replacement.onCycleFinished = previous?.onCycleFinished
            replacement.onReplicaChanged = { [weak self] orderIDs in self?.syncChanged(orderIDs) }
            autoVerify.watch(replacement)
            engine = replacement
            logger.notice("central settings changed (kct join): syncing with \(endpoint.centralURL)")
            replacement.start()
        } catch {
            engine = nil
            logger.error("cannot sync with \(endpoint.centralURL): \(error)")
        }
    }

    // MARK: LoopService

    package func beginShutdown() {
        stop()
    }

    package func forceClose() {
        stop()
    }

    private func stop() {
        guard !isStopped else { return }
        isStopped = true
        engine?.stop()
        autoVerify.close()
        idleRelease?.close()
        watcher?.close()
        watcher = nil
        checkTimer?.close()
        checkTimer = nil
        api.close()
        client?.close()
        loop.unregister(self)
    }
}
