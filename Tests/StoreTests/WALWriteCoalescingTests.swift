import CSQLiteVFS
import Foundation
import GRDB
import TestSupport
import Testing

@testable import OrderDomain
@testable import Store

/// The replica's WAL frames go through the "kct-unix" VFS (CSQLiteVFS): one write per commit
/// instead of two per frame, with nothing lost and nothing hidden from other readers.
@Suite struct WALWriteCoalescingTests {
    /// A replica in a temporary directory whose WAL a CSQLiteVFS watch observes, its writer
    /// connection at the given `synchronous` level.
    final class WatchedReplica {
        let directory = TemporaryDirectory()
        let watch: OpaquePointer
        let store: OrderStore

        init(synchronous: String) throws {
            // The path SQLite opens ends with the test's own directory: no other test's files count.
            watch = try #require(
                kct_vfs_watch_start((directory.path as NSString).lastPathComponent + "/" + OrderStore.fileName))
            store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        }

        var stats: kct_vfs_stats { kct_vfs_watch_stats(watch) }

        /// A connection through SQLite's stock unix VFS, as another program would open the file.
        func stockReader() throws -> DatabaseQueue {
            try DatabaseQueue(path: "file:\(store.path)?vfs=unix")
        }

        deinit { kct_vfs_watch_stop(watch) }
    }

    static let actor = StaffActor.test("test@kct.example")

    @Test(arguments: ["FULL", "NORMAL"])
    func eachCommitIsOneWriteOfAllItsFrames(synchronous: String) throws {
        let replica = try WatchedReplica(synchronous: synchronous)
        let before = replica.stats
        let edits = 20
        for _ in 0..<edits { try replica.store.createOrder(sampleDraft(), by: Self.actor) }
        let after = replica.stats
        let flushes = after.flushes - before.flushes
        // At least one write per commit (each commit is written before it returns)...
        #expect(flushes >= UInt64(edits))
        // ...carrying a created order's ~27 frames, two SQLite writes each. (A commit also costs
        // a write of its own for the WAL header when a background checkpoint let the WAL start
        // over, and one per 128 KiB.)
        #expect(after.buffered_writes - before.buffered_writes >= 20 * flushes)
        // The write that completes the commit frame wrote the buffer: nothing was left for the
        // wal-index guard to flush.
        #expect(after.flushes_forced_by_database == before.flushes_forced_by_database)
        #expect(after.failed_flushes == 0)
    }

    @Test(arguments: ["FULL", "NORMAL"])
    func anotherConnectionReadsEveryCommitAtOnce(synchronous: String) throws {
        let replica = try WatchedReplica(synchronous: synchronous)
        let reader = try replica.stockReader()
        for count in 1...10 {
            let order = try replica.store.createOrder(
                sampleDraft(priority: count % 2 == 0 ? .high : .normal), by: Self.actor)
            let seen = try reader.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") ?? 0,
                    try String.fetchOne(db, sql: "SELECT priority FROM orders WHERE id = ?", arguments: [order.id])
                )
            }
            #expect(seen.0 == count)
            #expect(seen.1 == order.priority.rawValue)
        }
        #expect(replica.stats.buffered_writes > 0)
    }

    /// Another process (the `kct` binary, reading the replica while this process's writer keeps
    /// it open) sees each edit as soon as the edit returned.
    @Test(arguments: ["FULL", "NORMAL"])
    func anotherProcessReadsEveryCommitAtOnce(synchronous: String) throws {
        let replica = try WatchedReplica(synchronous: synchronous)
        let kct = KCTProcess()
        defer { kct.cleanUp() }
        let order = try replica.store.createOrder(sampleDraft(), by: Self.actor)
        for priority in [OrderPriority.high, .rush, .low] {
            try replica.store.setPriority(order.orderNumber, to: priority, by: Self.actor)
            let shown = try kct.run(
                ["orders", "show", order.orderNumber, "--json"], environment: ["KCT_DATA_DIR": replica.directory.path])
            try #require(shown.status == 0, "kct orders show failed: \(shown.stderr)")
            #expect(try shown.object()["priority"] as? String == priority.rawValue)
        }
        #expect(replica.stats.buffered_writes > 0)
    }

    /// A transaction larger than a WAL buffer (128 KiB, the most the unix VFS writes at once) is
    /// written in several writes, commits, and reads back whole.
    @Test func aTransactionLargerThanTheBufferCommits() throws {
        let replica = try WatchedReplica(synchronous: "FULL")
        let before = replica.stats
        let rows = 400, rowBytes = 4_000 // a 4 KiB page per row at least: over 1.6 MB of frames
        try replica.store.pool.write { db in
            try db.execute(sql: "CREATE TABLE bulk (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
            for id in 0..<rows {
                try db.execute(
                    sql: "INSERT INTO bulk (id, payload) VALUES (?, randomblob(?))", arguments: [id, rowBytes])
            }
        }
        let after = replica.stats
        #expect(after.flushes - before.flushes >= UInt64(rows * (24 + OrderStore.pageSize) / 0x1ffff))
        #expect(after.failed_flushes == 0)
        let stored = try replica.stockReader().read { db in
            try Row.fetchOne(db, sql: "SELECT count(*) AS rows, sum(length(payload)) AS bytes FROM bulk")
        }
        #expect(stored?["rows"] == rows)
        #expect(stored?["bytes"] == rows * rowBytes)
        #expect(try replica.store.integrityCheck() == ["ok"])
    }

    /// A commit whose write fails (as on a full disk) fails with SQLite's I/O error and leaves the
    /// replica as it was: no trace of the refused edit, and the next edit commits.
    @Test(arguments: ["FULL", "NORMAL"])
    func aFailedWriteFailsTheEditAndLosesNothingElse(synchronous: String) throws {
        let replica = try WatchedReplica(synchronous: synchronous)
        let first = try replica.store.createOrder(sampleDraft(name: "First"), by: Self.actor)
        let outboxBefore = try replica.store.lastOutboxSequence()

        kct_vfs_watch_fail_flushes(replica.watch, 1)
        let error = storeError { _ = try replica.store.createOrder(sampleDraft(name: "Refused"), by: Self.actor) }
        guard case .database(let databaseError)? = error else {
            Issue.record("expected an SQLite error, got \(String(describing: error))")
            return
        }
        #expect(databaseError.resultCode == .SQLITE_IOERR)
        #expect(replica.stats.failed_flushes == 1)

        let reader = try replica.stockReader()
        #expect(try reader.read { db in try String.fetchAll(db, sql: "SELECT customer_name FROM orders") } == ["First"])
        #expect(try replica.store.lastOutboxSequence() == outboxBefore)

        let next = try replica.store.createOrder(sampleDraft(name: "Next"), by: Self.actor)
        #expect(next.orderNumber == "S01-W1-000002")
        #expect(
            try reader.read { db in
                try String.fetchAll(db, sql: "SELECT customer_name FROM orders ORDER BY order_number")
            } == ["First", "Next"])
        #expect(try replica.store.order(first.orderNumber).customerName == "First")
        #expect(try replica.store.integrityCheck() == ["ok"])
    }
}
