import EventLoop
import Foundation
import Logging
import SyncCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Central's HTTP service on an event loop: `start` for in-process use (tests, benchmarks) runs
/// it on a loop thread of its own; `serve` runs it on the calling thread until SIGINT/SIGTERM
/// (`kct central serve`).
package final class CentralService: Sendable {
    package let store: CentralStore
    package let host: String
    package let port: Int
    private let thread: EventLoopThread
    /// SQLite only: one serve per file. Any number serve one PostgreSQL database.
    private let lock: ServeLock?

    package var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    private init(store: CentralStore, host: String, port: Int, thread: EventLoopThread, lock: ServeLock?) {
        self.store = store
        self.host = host
        self.port = port
        self.thread = thread
        self.lock = lock
    }

    /// Opens the store at `location` and serves it on `host:port` (0: a free port, read it back
    /// from `port`) from a loop thread of its own.
    package static func start(
        location: CentralLocation, host: String = "127.0.0.1", port: Int = 0,
        options: CentralServeOptions = CentralServeOptions()
    ) async throws -> CentralService {
        let lock = try ServeLock(location)
        let store = try CentralStore.open(at: location)
        let thread = try await EventLoopThread.start(name: "kct-central")
        do {
            let bound = try await thread.loop.submit { loop in
                let endpoints = try CentralEndpoints(loop: loop, store: store, host: host, port: port, options: options)
                return endpoints.port
            }
            return CentralService(store: store, host: host, port: bound, thread: thread, lock: lock)
        } catch {
            try? await thread.shutdown(grace: .zero)
            throw error
        }
    }

    /// `start(location: .sqlite(path: databasePath), …)`.
    package static func start(
        databasePath: String, host: String = "127.0.0.1", port: Int = 0,
        options: CentralServeOptions = CentralServeOptions()
    ) async throws -> CentralService {
        try await start(location: .sqlite(path: databasePath), host: host, port: port, options: options)
    }

    /// Stops taking requests, finishes those in flight, ends the streams, and waits.
    package func stop(grace: Duration = .seconds(5)) async throws {
        try await thread.shutdown(grace: grace)
        lock?.release()
    }

    /// Serves the store at `location` on the calling thread until SIGINT or SIGTERM, then shuts
    /// down gracefully. `ready` is called with the bound port once requests are accepted.
    package static func serve(
        location: CentralLocation, host: String, port: Int, options: CentralServeOptions = CentralServeOptions(),
        ready: (Int) -> Void
    ) throws {
        let lock = try ServeLock(location)
        defer { lock?.release() }
        let store = try CentralStore.open(at: location)
        let loop = try EventLoop()
        let endpoints = try CentralEndpoints(loop: loop, store: store, host: host, port: port, options: options)
        try loop.shutdownOnSignals()
        ready(endpoints.port)
        try loop.run()
        withExtendedLifetime(endpoints) {}
    }
}

/// One `serve` per SQLite store: its replica cache assumes nobody else writes the replica (on
/// PostgreSQL each write transaction first catches the cache up, `ReplicaCache.synchronize`, so
/// any number of processes may serve). An advisory lock on a file beside the database (not on the
/// database itself: closing any descriptor of the database would drop SQLite's own POSIX locks).
/// Released by `release` or process exit.
final class ServeLock: Sendable {
    private let descriptor: Int32
    let path: String

    init(databasePath: String) throws(CentralError) {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw .missingStore(path: databasePath) }
        path = databasePath + "-serve.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .fileSystem(path: path, message: String(cString: strerror(errno))) }
        // A process forked from this one holds a copy of the descriptor (and so the lock) until it
        // execs, even with O_CLOEXEC: a restart right after a stop, while this process spawns
        // children, can find the lock still held for a moment. So a busy lock is retried for up
        // to 2 s before it means another `serve`.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            attempts += 1
            if code == EWOULDBLOCK, attempts < Self.busyAttempts {
                usleep(100_000)
                continue
            }
            close(descriptor)
            if code == EWOULDBLOCK { throw .storeInUse(path: databasePath) }
            throw .fileSystem(path: path, message: String(cString: strerror(code)))
        }
    }

    static let busyAttempts = 20

    /// The lock for a SQLite store; nil for PostgreSQL, which needs none.
    convenience init?(_ location: CentralLocation) throws(CentralError) {
        guard case .sqlite(let path) = location else { return nil }
        try self.init(databasePath: path)
    }

    private let released = Atomic<Bool>(false)

    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(descriptor)
    }

    deinit { release() }
}
