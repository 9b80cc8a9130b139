import EventLoop
import HTTP
import Node
import Store

/// The daemon's sync engine for one command in this process (`kct sync now`, `kct sync verify`):
/// the replica's central and token, on an event loop of its own that `finish()` ends.
struct OneShotSync {
    let loop: EventLoop
    let client: HTTPClient
    let engine: SyncEngine

    /// Exits 6 when the replica has no central or token.
    init(store: OrderStore) throws {
        let settings = try store.syncSettings()
        guard let url = settings.centralURL, let token = settings.token else {
            throw CLIError(SyncError.notConfigured.description, exitCode: ExitCodes.syncFailed)
        }
        loop = try EventLoop(configuration: .init(lagSampleInterval: nil))
        client = try HTTPClient(loop: loop)
        engine = SyncEngine(
            loop: loop, client: client, store: store,
            endpoint: SyncEndpoint(centralURL: url, token: token, nodeID: store.identity.nodeID))
    }

    /// Stops the engine and lets `loop.run()` return.
    func finish() {
        engine.stop()
        client.close()
        loop.shutdown()
    }
}
