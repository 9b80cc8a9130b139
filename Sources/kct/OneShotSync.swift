import EventLoop
import HTTP
import Logging
import Node
import Store

/// The daemon's sync engine for one command in this process (`kct sync now`, `kct sync verify`):
/// the replica's central and token, on an event loop of its own that `finish()` ends.
struct OneShotSync {
    let loop: EventLoop
    let client: HTTPClient
    let engine: SyncEngine

    /// Exits 6 when the replica has no central or token.
    init(store: OrderStore, configuration: SyncEngine.Configuration = SyncEngine.Configuration()) throws {
        let settings = try store.syncSettings()
        guard let url = settings.centralURL, let token = settings.token else {
            throw CLIError(SyncError.notConfigured.description, exitCode: ExitCodes.syncFailed)
        }
        loop = try EventLoop(configuration: .init(lagSampleInterval: nil))
        client = try HTTPClient(loop: loop)
        engine = SyncEngine(
            loop: loop, client: client, store: store,
            endpoint: SyncEndpoint(centralURL: url, token: token, nodeID: store.identity.nodeID),
            configuration: configuration, logger: Self.quietLogger)
    }

    /// The command reports the cycle itself (a summary line, the bootstrap's progress bar), so
    /// the engine's informational lines would only repeat it between them; warnings still show.
    static var quietLogger: Logger {
        var logger = Logger(label: "kct.node.sync")
        logger.logLevel = .warning
        return logger
    }

    /// One sync cycle (push, the snapshot bootstrap when due, pull) run to its end on this
    /// thread; nil when the loop ended without one.
    func runCycle() throws -> Result<SyncEngine.CycleReport, SyncError>? {
        var outcome: Result<SyncEngine.CycleReport, SyncError>?
        engine.onCycleFinished = { result in
            outcome = result
            finish()
        }
        engine.start(openStream: false)
        try loop.run()
        return outcome
    }

    /// Stops the engine and lets `loop.run()` return.
    func finish() {
        engine.stop()
        client.close()
        loop.shutdown()
    }
}
