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
                    // Pull until the pushers are done and a last pull finds nothing new.
                    while true {
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
}

/// Polls `condition` for up to 10 s (a thread's work, not an async one).
func eventuallySync(_ condition: () -> Bool) throws {
    for _ in 0..<1000 {
        if condition() { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    Issue.record("timed out waiting")
}

/// A counter shared by tasks and threads.
final class SharedCounter: Sendable {
    private let count: Atomic<Int>
    init(_ value: Int) { count = Atomic(value) }
    var value: Int { count.load(ordering: .acquiring) }
    func increment() { count.add(1, ordering: .releasing) }
    func decrement() { count.subtract(1, ordering: .releasing) }
}
