import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore
import Synchronization

/// Central's authoritative store: one SQLite file (WAL, synchronous=FULL) holding the replica,
/// the log, every settled change's outcome, the registered nodes and central's clock. Every
/// feature reads and writes through `CentralDatabase` in SQL both backends accept, so the same
/// statements will serve a PostgreSQL database (issue 14).
///
/// Every push runs `PushProcessor.process` inside ONE immediate transaction (`push`), so the
/// effects, log entries, outcomes, the node's last settled sequence and the clock commit
/// together or not at all. The rows a push needs are kept in a `ReplicaCache` after their first
/// load; the database stays the truth (the cache only ever holds committed state).
package final class CentralStore: Sendable {
    /// WAL pages between automatic checkpoints: pushes write big batches, and checkpointing
    /// every 1000 pages (SQLite's default) would stall every few pushes.
    static let walAutocheckpointPages = 10_000
    /// Page cache per connection, in KiB.
    static let pageCacheKiB = 64 * 1024

    package let location: CentralLocation
    let database: CentralDatabase
    /// This open store's id in the notifications it sends other processes (`CentralLogListener`).
    let instanceID = UUID().uuidString.lowercased()
    let cache: ReplicaCache
    let processor: PushProcessor
    /// Requests refused for their bearer token since the store was opened.
    package let refusedTokens = RefusedTokenCounts()
    /// Wall time in milliseconds since 1970; injectable so tests control time.
    let wallClockMillis: @Sendable () -> UInt64
    /// For tests: run when a push has been settled before the log's lock, before it reads what
    /// other processes committed meanwhile (§4.12), so that a test can commit one then.
    package let settledBeforeLock = Mutex<(@Sendable () -> Void)?>(nil)

    private init(
        location: CentralLocation, database: CentralDatabase, processor: PushProcessor,
        clock: @escaping @Sendable () -> UInt64
    ) throws(CentralError) {
        self.location = location
        self.database = database
        self.processor = processor
        self.wallClockMillis = clock
        do {
            let state = try database.read { conn in try CentralState.fetch(conn) }
            guard let state else { throw CentralError.notACentralStore(path: location.description) }
            cache = ReplicaCache(state: state)
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Creates the store at `location`; refuses, changing nothing, when one is already there.
    package static func create(
        at location: CentralLocation, processor: PushProcessor = PushProcessor(),
        clock: @escaping @Sendable () -> UInt64 = WallClock.system
    ) throws(CentralError) -> CentralStore {
        let database: CentralDatabase
        switch location {
        case .sqlite(let path): database = try createFile(path)
        case .postgres(let url): database = try openPostgres(url, existing: false)
        }
        do {
            try database.write { conn in
                guard try conn.fetchValue("SELECT count(*) FROM central_identity", as: Int64.self) == 0 else {
                    throw CentralError.alreadyExists(path: location.description)
                }
                try conn.execute(
                    "INSERT INTO central_identity (singleton, created_at) VALUES (1, ?)",
                    Timestamp.format(millis: clock()))
                try conn.execute(
                    """
                    INSERT INTO central_state (singleton, hlc_last, central_sequence, head_version) VALUES
                    (1, 0, 0, 0)
                    """)
            }
        } catch {
            throw CentralError.wrap(error)
        }
        return try CentralStore(location: location, database: database, processor: processor, clock: clock)
    }

    /// Opens an existing store, applying any migrations it lacks.
    package static func open(
        at location: CentralLocation, processor: PushProcessor = PushProcessor(),
        clock: @escaping @Sendable () -> UInt64 = WallClock.system
    ) throws(CentralError) -> CentralStore {
        let database: CentralDatabase
        switch location {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw .missingStore(path: path) }
            database = CentralDatabase(.sqlite(try openPool(path, existing: true)))
        case .postgres(let url): database = try openPostgres(url, existing: true)
        }
        return try CentralStore(location: location, database: database, processor: processor, clock: clock)
    }

    /// `create(at: .sqlite(path:))`.
    package static func create(
        path: String, processor: PushProcessor = PushProcessor(),
        clock: @escaping @Sendable () -> UInt64 = WallClock.system
    ) throws(CentralError) -> CentralStore {
        try create(at: .sqlite(path: path), processor: processor, clock: clock)
    }

    /// `open(at: .sqlite(path:))`.
    package static func open(
        path: String, processor: PushProcessor = PushProcessor(),
        clock: @escaping @Sendable () -> UInt64 = WallClock.system
    ) throws(CentralError) -> CentralStore {
        try open(at: .sqlite(path: path), processor: processor, clock: clock)
    }

    /// A new SQLite file, migrated; refuses a path where anything already is.
    private static func createFile(_ path: String) throws(CentralError) -> CentralDatabase {
        if FileManager.default.fileExists(atPath: path) { throw .alreadyExists(path: path) }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .fileSystem(path: directory, message: error.localizedDescription)
            }
        }
        return CentralDatabase(.sqlite(try openPool(path, existing: false)))
    }

    /// WAL with synchronous=FULL: a push that was answered is on disk, even across power loss.
    /// SQLite only, as are its migrations (`CentralSchema`): a PostgreSQL database has its own.
    /// An existing file is migrated only if it already is a central store, so a stray SQLite
    /// file (a node's replica, say) is refused untouched.
    private static func openPool(_ path: String, existing: Bool) throws(CentralError) -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // The log, outcomes and row indexes are hot on every push; SQLite's default 2 MB page
            // cache sends most of their lookups to pread.
            try db.execute(sql: "PRAGMA cache_size = -\(pageCacheKiB)")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                // GRDB's pool sets synchronous=NORMAL with WAL; an acknowledged push must survive.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
            }
            if existing, try !pool.read({ db in try db.tableExists("central_identity") }) {
                throw CentralError.notACentralStore(path: path)
            }
            try CentralSchema.migrator.migrate(pool)
            return pool
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notACentralStore(path: path)
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// The log's latest version, as last committed by this process.
    package var headVersion: Int64 { cache.committedHeadVersion }

    /// The log's latest version as the database has it (any process's commits), for `/healthz`:
    /// it fails as a push would when the database cannot be read.
    package func databaseHeadVersion() throws(ErrorResponse) -> Int64 {
        do {
            return try database.read { conn in
                try conn.fetchValue("SELECT head_version FROM central_state", as: Int64.self) ?? 0
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }
}

/// The `central_state` row.
struct CentralState: Sendable {
    var clock: HybridLogicalClock
    var centralSequence: Int64
    var headVersion: Int64

    /// The row, or nil when there is none (a store whose creation never committed).
    static func fetch(_ conn: any SQLConnection) throws -> CentralState? {
        let table = "central_state"
        guard let row = try conn.fetchOne("SELECT hlc_last, central_sequence, head_version FROM central_state")
        else { return nil }
        return CentralState(
            clock: HybridLogicalClock(last: try row.read("hlc_last", table: table)),
            centralSequence: try row.read("central_sequence", table: table),
            headVersion: try row.read("head_version", table: table))
    }
}
