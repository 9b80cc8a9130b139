import Central
import Foundation
import LocalPostgres
import Postgres
import SQLAccess
import SyncCore
import Synchronization
import Testing

/// SYNC-PROTOCOL.md §4.12: several central stores on one PostgreSQL database (each with its own
/// connections, writer and replica cache, as separate `kct central serve` processes have) take
/// pushes concurrently while readers pull by cursor; every reader must end with every accepted
/// change exactly once. The same cursor checker, run against versions drawn from a sequence (the
/// naive design), reports the version it skipped.
@Suite(.serialized) struct LogOrderStressTests {
    static let stores = 3
    static let pushers = 6
    static let pushesPerPusher = 25
    static let readers = 4

    /// What one reader saw, pulling by cursor as a node does.
    struct CursorReader {
        var cursor: Int64 = 0
        var seen: [Int64] = []

        /// Versions missing from 1…head or seen twice; empty when the reader got each exactly once.
        func defects(head: Int64) -> (missing: [Int64], repeated: [Int64]) {
            var counts: [Int64: Int] = [:]
            for version in seen { counts[version, default: 0] += 1 }
            let missing = (1...max(head, 1)).filter { counts[$0] == nil && head > 0 }
            let repeated = counts.filter { $0.value > 1 }.map(\.key).sorted()
            return (missing, repeated)
        }
    }

    @Test func concurrentPushersAcrossStoresNeverMakeAReaderSkip() async throws {
        let url = try PostgresServer.shared().createDatabase()
        let admin = try CentralStore.create(at: .postgres(url: url))
        try Staff.addEveryRole(admin)
        let tokens = try (0..<Self.pushers).map { index in
            try admin.addNode(name: "W\(index)", shop: "S0\(index % 3)").token
        }
        let stores = try (0..<Self.stores).map { _ in try CentralStore.open(at: .postgres(url: url)) }
        let pushing = SharedCounter(Self.pushers)

        async let pulled: [CursorReader] = withThrowingTaskGroup(of: CursorReader.self) { group in
            for index in 0..<Self.readers {
                group.addTask {
                    let store = stores[index % stores.count]
                    var reader = CursorReader()
                    // Pull until the pushers are done and a last pull finds nothing new, letting
                    // the pushers have the threads between pulls (there may be as few as two).
                    while true {
                        await Task.yield()
                        let done = pushing.value == 0
                        let page = try store.pull(PullRequest(after: reader.cursor, limit: 50))
                        reader.seen += page.entries.map(\.version)
                        reader.cursor = page.nextCursor
                        if done && !page.hasMore { return reader }
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for pusher in 0..<Self.pushers {
                group.addTask {
                    defer { pushing.decrement() }
                    let store = stores[pusher % stores.count]
                    let node = "n-w\(pusher)"
                    for sequence in 1...Int64(Self.pushesPerPusher) {
                        let change = Build.createOrder(
                            node, sequence, at: UInt64(sequence), order: "o-\(pusher)-\(sequence)")
                        let response = try store.push(
                            PushRequest(nodeID: node, changes: [change]), token: tokens[pusher]
                        ).response
                        #expect(response.outcomes.first?.result == .applied)
                    }
                }
            }
            try await group.waitForAll()
        }

        let readers = try await pulled
        let head = try admin.pull(PullRequest(after: 0, limit: 1)).headVersion
        #expect(head == Int64(Self.pushers * Self.pushesPerPusher))
        for reader in readers {
            let defects = reader.defects(head: head)
            #expect(defects.missing.isEmpty, "a reader skipped versions \(defects.missing.prefix(10))")
            #expect(defects.repeated.isEmpty, "a reader read versions twice: \(defects.repeated.prefix(10))")
            #expect(reader.cursor == head)
        }
    }

    /// The naive design (a sequence drawn in each writer's transaction) under the interleaving
    /// that breaks it: A draws 1, B draws 2 and commits, a reader pulls, A commits. The cursor
    /// checker above reports version 1 missing, which is what it exists to catch.
    @Test func theCheckerCatchesTheNaiveSequenceDesign() throws {
        let url = try PostgresServer.shared().createDatabase()
        let setup = try PostgresConnection(url: url)
        try setup.executeScript(
            "CREATE SEQUENCE naive_versions; CREATE TABLE naive_log (version bigint PRIMARY KEY, change text NOT NULL)")
        let writerA = try PostgresConnection(url: url)
        let writerB = try PostgresConnection(url: url)
        let readerConnection = try PostgresConnection(url: url)
        func draw(_ writer: PostgresConnection, _ change: String) throws {
            try writer.executeScript("BEGIN")
            try writer.execute(
                "INSERT INTO naive_log (version, change) VALUES (nextval('naive_versions'), ?)", [.text(change)])
        }
        func pull(_ reader: inout CursorReader) throws {
            let versions = try readerConnection.fetchValues(
                "SELECT version FROM naive_log WHERE version > ? ORDER BY version", [.integer(reader.cursor)],
                as: Int64.self)
            reader.seen += versions
            reader.cursor = versions.last ?? reader.cursor
        }
        var reader = CursorReader()
        try draw(writerA, "A")
        try draw(writerB, "B")
        try writerB.executeScript("COMMIT")
        try pull(&reader)
        try writerA.executeScript("COMMIT")
        try pull(&reader)
        #expect(reader.defects(head: 2).missing == [1])

        // The same interleaving against central: B's push waits for A's transaction (the
        // central_state row lock), so the reader can never see B's version without A's.
        let admin = try CentralStore.create(at: .postgres(url: url))
        try Staff.addEveryRole(admin)
        let token = try admin.addNode(name: "W1", shop: "S01").token
        let holder = try PostgresConnection(url: url)
        try holder.executeScript("BEGIN")
        try holder.execute("SELECT singleton FROM central_state FOR UPDATE", [])
        let pushed = SharedCounter(0)
        let pusher = Thread {
            let store = try? CentralStore.open(at: .postgres(url: url))
            _ = try? store?.push(
                PushRequest(nodeID: "n-w1", changes: [Build.createOrder("n-w1", 1, at: 1)]), token: token)
            pushed.increment()
        }
        pusher.start()
        Thread.sleep(forTimeInterval: 0.5)
        let pushedEarly = pushed.value > 0
        #expect(!pushedEarly, "a push committed while another writer held the log's lock")
        #expect(try admin.pull(PullRequest(after: 0, limit: 10)).entries.isEmpty)
        try holder.executeScript("COMMIT")
        try eventuallySync { pushed.value > 0 }
        #expect(try admin.pull(PullRequest(after: 0, limit: 10)).entries.map(\.version) == [1])
    }

    /// A push reads the orders and rows it names before it takes the log's lock (§4.12), so two
    /// processes' pushes to one order can both read it before either commits. Here both find
    /// order o-9 absent and wait for the lock (held by the test); the first to get it creates
    /// the order, and the second must see that under the lock and merge into it. Had the second
    /// kept what it read before the lock, it would write the order as new, with its own field
    /// only, over the first's row: a bootstrapping node would miss the customer's name.
    @Test func twoProcessesPushingToOneOrderEachSeeTheOthersCommit() throws {
        let url = try PostgresServer.shared().createDatabase()
        let admin = try CentralStore.create(at: .postgres(url: url))
        try Staff.addEveryRole(admin)
        let tokens = try ["W1", "W2"].map { try admin.addNode(name: $0, shop: "S01").token }
        let stores = try (0..<2).map { _ in try CentralStore.open(at: .postgres(url: url)) }
        let holder = try PostgresConnection(url: url)
        let watcher = try PostgresConnection(url: url)
        func waiting() throws -> Int64 {
            try watcher.fetchValue(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                as: Int64.self) ?? 0
        }
        try holder.executeScript("BEGIN")
        try holder.execute("SELECT singleton FROM central_state FOR UPDATE", [])
        let changes = [
            Build.createOrder("n-w1", 1, at: 1, order: "o-9"),
            Build.change(
                "n-w2", 1, at: 2, entity: .order, row: "o-9", order: "o-9", fields: ["notes": .text("call first")]),
        ]
        let settled = SharedCounter(0)
        let applied = SharedCounter(0)
        for (index, change) in changes.enumerated() {
            Thread {
                let outcome = try? stores[index].push(
                    PushRequest(nodeID: change.nodeID, changes: [change]), token: tokens[index]
                ).response.outcomes.first?.result
                if outcome == .applied { applied.increment() }
                settled.increment()
            }.start()
            // Each has read the order before the lock, found nothing, and waits for the lock.
            try eventuallySync { ((try? waiting()) ?? 0) == Int64(index + 1) }
        }
        try holder.executeScript("COMMIT")
        try eventuallySync { settled.value == 2 }
        #expect(applied.value == 2)
        let page = try admin.snapshotPage(SnapshotRequest(), shop: nil).body
        let text = String(decoding: page, as: UTF8.self)
        #expect(text.contains("Ada Lovelace"), "the first push's fields were overwritten: \(text)")
        #expect(text.contains("call first"), "the second push's field is missing: \(text)")
        #expect(try admin.pull(PullRequest(after: 0, limit: 10)).entries.map(\.version) == [1, 2])
    }

    /// A push is settled before the log's lock and, when nothing it read changed meanwhile, its
    /// versions are moved onto the head it is appended at (§4.12). Here W1's push to order o-1
    /// is settled while W2's push to o-2 waits ahead of it for the lock (held by the test); W2's
    /// commits first, so W1's versions move by two. What central then stores and answers (W1's
    /// reply with its versions and conflicts, the log with the conflicts it displaced, the rows
    /// and status moves with their versions) must be what a SQLite central, which settles each
    /// push under its lock, has after the same pushes in the same order.
    @Test func aPushSettledBeforeTheLockEndsAsIfSettledUnderIt() throws {
        let setup = [
            ("W1", [Build.createOrder("n-w1", 1, at: 2)]),
            ("W3", [Build.change("n-w3", 1, at: 3, ["customer_email": .text("w3@example.com")])]),
            ("W1", [Build.move("n-w1", 2, at: 4, from: "pending_payment", to: "cancelled")]),
        ]
        let other = [Build.createOrder("n-w2", 1, at: 2, order: "o-2"), Build.addItem("n-w2", 2, at: 2, item: "i-2")]
        let drafted = [
            Build.change("n-w1", 3, at: 6, ["customer_name": .text("Grace Hopper")]),
            // Loses to sequence 3 of the same push: the winner's version is the push's own.
            Build.change("n-w1", 4, at: 5, ["customer_name": .text("Ada King")]),
            // Displaces W3's e-mail, which its author had not seen (base 1).
            Build.change("n-w1", 5, at: 7, ["customer_email": .text("ada@example.com")], base: 1),
            Build.move("n-w1", 6, at: 5, from: "pending_payment", to: "payment_confirmed"),
            Build.change("n-w1", 7, at: 8, ["tax_amount": .integer(700)]),
        ]
        func prepare(_ store: CentralStore) throws -> [String: String] {
            try Self.prepare(store, nodes: ["W1", "W2", "W3"], pushing: setup)
        }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let reference = try CentralStore.create(at: .sqlite(path: directory.database))
        let referenceTokens = try prepare(reference)
        _ = try reference.push(PushRequest(nodeID: "n-w2", changes: other), token: referenceTokens["W2"])
        let expected = try reference.push(PushRequest(nodeID: "n-w1", changes: drafted), token: referenceTokens["W1"])

        let url = try PostgresServer.shared().createDatabase()
        let admin = try CentralStore.create(at: .postgres(url: url))
        let tokens = try prepare(admin)
        let stores = try (0..<2).map { _ in try CentralStore.open(at: .postgres(url: url)) }
        let holder = try PostgresConnection(url: url)
        let watcher = try PostgresConnection(url: url)
        try holder.executeScript("BEGIN")
        try holder.execute("SELECT singleton FROM central_state FOR UPDATE", [])
        let replies = SharedReplies()
        let settled = SharedCounter(0)
        for (index, (name, changes)) in [("W2", other), ("W1", drafted)].enumerated() {
            Thread {
                let reply = try? stores[index].push(
                    PushRequest(nodeID: changes[0].nodeID, changes: changes), token: tokens[name]
                ).response
                replies.set(name, reply)
                settled.increment()
            }.start()
            // Settled against the head before either commits, and waiting for the lock; the first
            // to wait is the first to get it.
            try eventuallySync {
                let waiting = try? watcher.fetchValue(
                    """
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                      AND wait_event_type = 'Lock'
                    """, as: Int64.self)
                return waiting == Int64(index + 1)
            }
        }
        try holder.executeScript("COMMIT")
        try eventuallySync { settled.value == 2 }

        let reply = replies["W1"]
        #expect(reply?.headVersion == expected.response.headVersion)
        #expect(reply == expected.response)
        let (log, snapshot) = try Self.state(admin)
        let (expectedLog, expectedSnapshot) = try Self.state(reference)
        #expect(log.map(\.change.nodeID) == expectedLog.map(\.change.nodeID), "W2's push did not commit first")
        #expect(log == expectedLog)
        #expect(snapshot == expectedSnapshot)
    }

    /// What another process commits while a push is being settled before the lock is read
    /// before the lock too, and the push settled again if it touched what the push read (§4.12).
    /// Here W2's later name for o-1 commits right after W1's push was settled: W1's own name must
    /// end superseded, as on a SQLite central that takes W2's push first. Had the catch-up before
    /// the lock kept W1's settlement, the check under the lock (which reads only what commits
    /// after it) would keep it too, and W1's name would be applied over W2's.
    @Test func aCommitWhileAPushIsSettledIsReadBeforeTheLock() throws {
        let created = Build.createOrder("n-w1", 1, at: 1)
        let theirs = Build.change("n-w2", 1, at: 9, ["customer_name": .text("Grace Hopper")])
        let ours = Build.change("n-w1", 2, at: 5, ["customer_name": .text("Ada King")])
        func prepare(_ store: CentralStore) throws -> [String: String] {
            try Self.prepare(store, nodes: ["W1", "W2"], pushing: [("W1", [created])])
        }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let reference = try CentralStore.create(at: .sqlite(path: directory.database))
        let referenceTokens = try prepare(reference)
        _ = try reference.push(PushRequest(nodeID: "n-w2", changes: [theirs]), token: referenceTokens["W2"])
        let expected = try reference.push(PushRequest(nodeID: "n-w1", changes: [ours]), token: referenceTokens["W1"])
        #expect(expected.response.outcomes.map(\.result) == [.superseded])

        let url = try PostgresServer.shared().createDatabase()
        let admin = try CentralStore.create(at: .postgres(url: url))
        let tokens = try prepare(admin)
        let stores = try (0..<2).map { _ in try CentralStore.open(at: .postgres(url: url)) }
        let otherStore = stores[0], otherToken = tokens["W2"]
        let committed = SharedCounter(0)
        stores[1].settledBeforeLock.withLock { hook in
            hook = {
                guard committed.value == 0 else { return }
                committed.increment()
                _ = try? otherStore.push(PushRequest(nodeID: "n-w2", changes: [theirs]), token: otherToken)
            }
        }
        let reply = try stores[1].push(PushRequest(nodeID: "n-w1", changes: [ours]), token: tokens["W1"]).response
        #expect(committed.value == 1)
        #expect(reply == expected.response)
        let (log, snapshot) = try Self.state(admin)
        let (expectedLog, expectedSnapshot) = try Self.state(reference)
        #expect(log == expectedLog)
        #expect(snapshot == expectedSnapshot)
    }

    /// Staff accounts, one registration per name in shop S01, and `pushing` pushed: the tokens by name.
    static func prepare(_ store: CentralStore, nodes: [String], pushing: [(String, [Change])]) throws -> [String:
        String]
    {
        try Staff.addEveryRole(store)
        let tokens = try Dictionary(
            uniqueKeysWithValues: nodes.map { ($0, try store.addNode(name: $0, shop: "S01").token) })
        for (name, changes) in pushing {
            _ = try store.push(PushRequest(nodeID: changes[0].nodeID, changes: changes), token: tokens[name])
        }
        return tokens
    }

    /// What a central stores and answers, for comparing two: its log and a snapshot of its orders.
    static func state(_ store: CentralStore) throws -> (log: [LogEntry], snapshot: String) {
        let page = try store.snapshotPage(SnapshotRequest(), shop: nil).body
        return (try store.pull(PullRequest(after: 0, limit: 100)).entries, String(decoding: page, as: UTF8.self))
    }
}

/// Polls `condition` for up to 10 s (a thread's work, not an async one).
func eventuallySync(_ condition: () -> Bool) throws {
    for _ in 0..<1000 {
        if condition() { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    Issue.record("timed out waiting")
}

/// Push replies by registration name, shared by threads.
final class SharedReplies: Sendable {
    private let replies = Mutex<[String: PushResponse]>([:])
    func set(_ name: String, _ reply: PushResponse?) { replies.withLock { $0[name] = reply } }
    subscript(name: String) -> PushResponse? { replies.withLock { $0[name] } }
}

/// A counter shared by tasks and threads.
final class SharedCounter: Sendable {
    private let count: Atomic<Int>
    init(_ value: Int) { count = Atomic(value) }
    var value: Int { count.load(ordering: .acquiring) }
    func increment() { count.add(1, ordering: .releasing) }
    func decrement() { count.subtract(1, ordering: .releasing) }
}
