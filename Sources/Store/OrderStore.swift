import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// This workstation as recorded by `kct init`.
package struct NodeIdentity: Hashable, Sendable {
    package let nodeID: String
    package let createdAt: String
    /// Shop and workstation codes, checked when the identity is created or read back.
    package let orderNumberPrefix: OrderNumberPrefix

    package var name: String { orderNumberPrefix.workstationCode }
    package var shopCode: String { orderNumberPrefix.shopCode }
}

/// The node's SQLite replica and its single write path.
///
/// Every edit method validates through `OrderDomain`, then, in ONE immediate transaction, changes
/// the rows, recomputes derived amounts, advances the hybrid logical clock, stamps the synced
/// fields it set, and appends its `Change` records to the outbox (`ChangeRecorder.swift`). The
/// database is in WAL mode with `synchronous=FULL`, so a method that returned has its edit on disk.
/// A later "apply remote change" path lives beside this one and shares `ChangeRecorder`'s tables.
package final class OrderStore: Sendable {
    package static let fileName = "replica.sqlite"
    /// Page size of new replicas, in bytes (see `openPool`).
    package static let pageSize = 4096
    /// Page cache of the writer connection, in KiB (see `openPool`).
    static let writerCacheKiB = 32_768
    /// WAL pages at which the writer checkpoints inline because the background checkpoints fell
    /// behind (see `WALCheckpointer`).
    package static let walAutocheckpointPages = 10_000
    /// How long an edit waits for another process's write lock (`kct` processes may run side by
    /// side) before it fails.
    static let busyTimeoutSeconds: Double = 30

    package let path: String
    package let identity: NodeIdentity
    let pool: DatabasePool
    /// Checkpoints the WAL off the edit path; hooked into `pool`'s writer connection.
    let checkpointer: WALCheckpointer
    /// Wall time in milliseconds since 1970; injectable so tests control time.
    let wallClockMillis: @Sendable () -> UInt64

    private init(path: String, pool: DatabasePool, identity: NodeIdentity, clock: @escaping @Sendable () -> UInt64)
        throws(StoreError)
    {
        self.path = path
        self.pool = pool
        self.identity = identity
        self.wallClockMillis = clock
        do {
            let checkpointer = try WALCheckpointer(path: path) { [weak pool] checkpointer in
                try? pool?.writeWithoutTransaction { db in
                    try checkpointer.startWALOver(db, busyTimeoutMilliseconds: Int32(Self.busyTimeoutSeconds * 1000))
                }
            }
            pool.writeWithoutTransaction { db in checkpointer.attach(to: db) }
            self.checkpointer = checkpointer
        } catch {
            throw StoreError.wrap(error)
        }
    }

    deinit {
        // The writer's WAL hook refers to the checkpointer without retaining it: remove it while
        // the checkpointer is still alive. (The Store never releases itself on the writer's
        // queue, where this synchronous write would not be allowed.)
        pool.writeWithoutTransaction { db in checkpointer.detach(from: db) }
    }

    /// Waits until the background WAL checkpoints are done and returns how many have run since
    /// the replica was opened. For tests and benchmarks; edits never need to call it.
    @discardableResult
    package func waitForCheckpoints() -> Int {
        checkpointer.waitUntilIdle()
    }

    /// Creates the replica in `directory` (created if needed) and this node's identity. Refuses,
    /// changing nothing, when a replica is already there.
    package static func create(
        directory: String, name: String, shopCode: String, clock: @escaping @Sendable () -> UInt64 = WallClock.system
    ) throws(StoreError) -> OrderStore {
        let path = replicaPath(directory)
        if FileManager.default.fileExists(atPath: path) {
            let existing = try open(directory: directory, clock: clock)
            throw .alreadyInitialised(path: path, nodeID: existing.identity.nodeID)
        }
        let prefix: OrderNumberPrefix
        do { prefix = try OrderNumberPrefix(shopCode: shopCode, workstationCode: name) } catch { throw .invalid(error) }
        do {
            // Readable by its owner only: the replica holds password hashes and session hashes,
            // and read commands need no sign-in.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        } catch {
            throw .fileSystem(path: directory, message: error.localizedDescription)
        }
        let pool = try openPool(path, existing: false)
        let identity = NodeIdentity(
            nodeID: UUID().uuidString.lowercased(), createdAt: Timestamp.format(millis: clock()),
            orderNumberPrefix: prefix)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    if let existing = try String.fetchOne(db, sql: "SELECT node_id FROM node_identity") {
                        throw StoreError.alreadyInitialised(path: path, nodeID: existing)
                    }
                    try db.execute(
                        sql:
                            """
                            INSERT INTO node_identity (singleton, node_id, name, shop_code, created_at) VALUES (1,
                            ?, ?, ?, ?)
                            """,
                        arguments: [identity.nodeID, identity.name, identity.shopCode, identity.createdAt])
                    try db.execute(
                        sql:
                            """
                            INSERT INTO node_state (singleton, hlc_last, outbox_last_sequence, order_number_last)
                            VALUES (1, 0, 0, 0)
                            """
                    )
                    try db.execute(sql: "INSERT INTO sync_state (singleton) VALUES (1)")
                    return .commit
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
        return try OrderStore(path: path, pool: pool, identity: identity, clock: clock)
    }

    /// Opens an existing replica, applying any migrations it lacks.
    package static func open(directory: String, clock: @escaping @Sendable () -> UInt64 = WallClock.system)
        throws(StoreError) -> OrderStore
    {
        let path = replicaPath(directory)
        guard FileManager.default.fileExists(atPath: path) else { throw .missingReplica(path: directory) }
        let pool = try openPool(path, existing: true)
        let row: Row?
        do {
            row = try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT node_id, name, shop_code, created_at FROM node_identity")
            }
        } catch {
            throw StoreError.wrap(error)
        }
        guard let row else { throw .notAReplica(path: path) }
        let name: String = row["name"], shopCode: String = row["shop_code"]
        guard let prefix = try? OrderNumberPrefix(shopCode: shopCode, workstationCode: name) else {
            throw .corruptValue(table: "node_identity", column: "name, shop_code", value: "\(name), \(shopCode)")
        }
        let identity = NodeIdentity(nodeID: row["node_id"], createdAt: row["created_at"], orderNumberPrefix: prefix)
        return try OrderStore(path: path, pool: pool, identity: identity, clock: clock)
    }

    /// The id of the replica schema's latest migration: two replicas with the same one have the
    /// same schema (the benchmarks name their cached replica by it).
    package static var schemaVersion: String { ReplicaMigrations.identifiers.last! }

    package static func replicaPath(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// WAL, synchronous=FULL (a commit is on disk before it returns, even across power loss),
    /// foreign keys on, and a generous busy timeout because `kct` processes may run side by side.
    /// An `existing` file is migrated only if it already is a kct replica, so a stray SQLite file
    /// at the path is refused untouched.
    private static func openPool(_ path: String, existing: Bool) throws(StoreError) -> DatabasePool {
        try ReplicaVFS.registerAsDefault()
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
        configuration.prepareDatabase { db in
            // Every edit rewrites one page per b-tree it touches into the WAL. 1 KiB pages wrote
            // fewer bytes per commit but ~40 frames per created order (deeper trees, a split every
            // few inserts) against ~27 at 4 KiB, and each frame costs system calls and CPU: 4 KiB
            // measured faster (create p50 0.50 vs 0.53 ms, change-status 0.39 vs 0.44 ms).
            // Takes effect only when the file is created (before WAL is on).
            try db.execute(sql: "PRAGMA page_size = \(OrderStore.pageSize)")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB's pool sets synchronous=NORMAL on its writer when it enables WAL; local edits
            // need FULL, and the pool's single writer connection keeps this for its lifetime.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Checkpoints run in the background (WALCheckpointer, whose hook replaces this
                // setting once the Store is open); this bounds the WAL while migrating. Closing
                // the last connection checkpoints too, so a `kct` command leaves a short WAL.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walAutocheckpointPages)")
                // A pull page touches thousands of 1 KiB pages (confirmed rows, typed tables,
                // indexes, FTS); SQLite's default 2 MiB cache made the merge re-read most of them
                // from the WAL, one pread each. The cache grows only as pages are used.
                try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
            }
            if existing, try !pool.read({ db in try db.tableExists("node_identity") }) {
                throw StoreError.notAReplica(path: path)
            }
            try ReplicaMigrations.migrator.migrate(pool)
            return pool
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notAReplica(path: path)
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Runs a read, mapping errors.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
