import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Runs the replica's WAL checkpoints on a connection of its own, when the writer is idle, so that
/// an edit does not wait for one.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: every few
/// hundred edits, one edit copies thousands of pages into the database file and syncs it (10 ms
/// and more). Checkpointing beside the edits instead (measured: every 1,000 frames or 20 ms) made
/// every edit slower, because each checkpoint's sync of the database file competes with the
/// edits' syncs of the WAL. So the writer connection's WAL hook (called after each commit) only
/// notes the time, and a PASSIVE checkpoint runs here once no commit has happened for
/// `idleDelay`. It copies everything, and the next edit starts the WAL over from its beginning:
/// commits then overwrite blocks the WAL file already has instead of appending to it, an
/// `fdatasync` that does not wait for the file system's journal.
///
/// Durability is unchanged: every commit is synced to the WAL as before, and SQLite reuses the WAL
/// only after a checkpoint has synced the database file (this connection is `synchronous=FULL`).
/// Edits that never pause still get checkpoints: the hook checkpoints inline once the WAL holds
/// `OrderStore.walAutocheckpointPages` frames, as SQLite's own automatic checkpoint would.
final class WALCheckpointer: Sendable {
    /// How long the writer must be idle before a checkpoint runs.
    static let idleDelay: UInt64 = 20_000_000 // ns

    private struct State {
        /// Monotonic time of the last commit, in ns.
        var lastCommit: UInt64 = 0
        /// A checkpoint waits on the queue's timer or runs.
        var scheduled = false
        /// Checkpoints run by this connection, for tests.
        var completed = 0
        /// The writer is committing `startWALOver`'s write, which needs no checkpoint of its own.
        var startingOver = false
    }

    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "kct.store.checkpointer")
    private let state = Mutex(State())
    /// Runs `startWALOver` on the writer connection (the Store's pool), and waits for it.
    private let startOverOnWriter: @Sendable (WALCheckpointer) -> Void

    /// Opens the checkpointing connection on the replica at `path` (already in WAL mode).
    /// `startOverOnWriter` must run `startWALOver` on the connection `attach(to:)` hooks.
    init(path: String, startOverOnWriter: @escaping @Sendable (WALCheckpointer) -> Void) throws {
        self.startOverOnWriter = startOverOnWriter
        var configuration = Configuration()
        configuration.label = "kct.checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        // The checkpoint syncs the database file before the WAL may be reused; this must not
        // depend on the compiled-in default.
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Installs the WAL hook on the writer connection `db`. Replaces SQLite's automatic
    /// checkpoint (`wal_autocheckpoint`), which is itself a WAL hook. The hook refers to `self`
    /// without retaining it: `detach(from:)` must run before `self` goes away.
    func attach(to db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, connection, schema, frames in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
                if Int(frames) >= OrderStore.walAutocheckpointPages {
                    // Fallen behind: checkpoint inline, like SQLite's automatic checkpoint. Errors
                    // (SQLITE_BUSY while the background checkpoint runs) are ignored as SQLite does.
                    sqlite3_wal_checkpoint_v2(connection, schema, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                    return SQLITE_OK
                }
                checkpointer.committed(walFrames: Int(frames))
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Removes the WAL hook from the writer connection `db`.
    func detach(from db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, nil, nil)
    }

    /// Called by the hook after each commit, on the writer's thread: (re)arms the idle timer.
    private func committed(walFrames frames: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        let schedule = state.withLock { state -> Bool in
            guard !state.startingOver else { return false }
            state.lastCommit = now
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { scheduleCheck(at: now + Self.idleDelay) }
    }

    private func scheduleCheck(at time: UInt64) {
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: time)) { self.checkIdle() }
    }

    /// On the queue: checkpoints if the writer has been idle long enough, else waits again.
    private func checkIdle() {
        let lastCommit = state.withLock { $0.lastCommit }
        let due = lastCommit + Self.idleDelay
        if DispatchTime.now().uptimeNanoseconds < due {
            scheduleCheck(at: due)
            return
        }
        checkpoint()
        let again = state.withLock { state -> Bool in
            state.completed += 1
            // A commit during the checkpoint left frames behind: wait for the next idle spell.
            if state.lastCommit != lastCommit { return true }
            state.scheduled = false
            return false
        }
        if again { scheduleCheck(at: state.withLock { $0.lastCommit } + Self.idleDelay) }
    }

    /// One passive checkpoint. When it copied everything, a RESTART checkpoint follows, which
    /// lets the next write start the WAL over (it only takes the locks, as nothing is left to
    /// copy or sync), and the writer makes that write at once (`startWALOver`).
    /// This connection has no busy handler: if an edit or a reader is active either fails at
    /// once (SQLITE_BUSY) and nothing waits; the next idle spell tries again. (The RESTART holds
    /// the write lock for microseconds; an edit starting in that instant waits for its busy
    /// handler's first sleep, 1 ms.)
    private func checkpoint() {
        var restartable = false
        try? connection.writeWithoutTransaction { db in
            let passive = try db.checkpoint(.passive)
            guard passive.walFrameCount > 0, passive.checkpointedFrameCount == passive.walFrameCount else { return }
            restartable = (try? db.checkpoint(.restart)) != nil
        }
        if restartable { startOverOnWriter(self) }
    }

    /// The first commit after a WAL restart writes a new WAL header and, with synchronous=FULL,
    /// syncs it before its own frames: two syncs instead of one. After every idle spell that was
    /// the next edit's cost (measured: the first edit after a pause ~1 ms, the others ~0.45 ms).
    /// So, right after the checkpoint, the writer connection commits a write that changes
    /// nothing: it rewrites the database header's `user_version` (unused by kct) with its own
    /// value, which takes page 1 through the WAL, header and sync included.
    ///
    /// It must be the writer's own connection: a connection that sees another one restart the
    /// WAL drops its whole page cache (a restart from the checkpointer's connection made the next
    /// edit read ~40 pages back). Runs on the writer's queue, so no edit is in between; gives up
    /// at once (SQLITE_BUSY) if another process holds the write lock, instead of holding up the
    /// writer's queue: that process's commit starts the WAL over instead.
    func startWALOver(_ db: Database, busyTimeoutMilliseconds: Int32) throws {
        state.withLock { $0.startingOver = true }
        defer { state.withLock { $0.startingOver = false } }
        sqlite3_busy_timeout(db.sqliteConnection, 0)
        defer { sqlite3_busy_timeout(db.sqliteConnection, busyTimeoutMilliseconds) }
        try db.inTransaction(.immediate) {
            let version = try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            try db.execute(sql: "PRAGMA user_version = \(version)")
            return .commit
        }
    }

    /// Waits until the checkpoint after the last commit has run, then returns how many have run.
    /// For tests and the benchmark (whose baseline must not be measured while this one writes).
    @discardableResult
    func waitUntilIdle() -> Int {
        while true {
            queue.sync {}
            let (scheduled, completed) = state.withLock { state in (state.scheduled, state.completed) }
            if !scheduled { return completed }
            // The checkpoint is due within `idleDelay` of the last commit: poll for it.
            usleep(1_000)
        }
    }
}
