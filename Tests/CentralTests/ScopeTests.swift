import Central
import EventLoop
import Foundation
import GRDB
import HTTP
import StorageSupport
import SyncCore
import TestSupport
import Testing

/// Scopes (SYNC-PROTOCOL.md §2): a token of shop S02 never sees an order of S01, by pull, stream
/// or error message; an `all` registration sees every shop's (and changes its own); filtered pulls still
/// carry the cursor to the head in bounded pages; centrals made before scopes migrate.
@Suite struct ScopeTests {
    /// W1 of S01 and W2 of S02, an admin workstation AD of S01 with scope all; W1 created o-1
    /// (customer "Ada Lovelace", with an item) and W2 created o-2.
    struct Fixture {
        let storage: TestStoreLocation
        let service: CentralService
        let client: TestClient
        let w1: String
        let w2: String
        let admin: String

        static let secret = "Ada Lovelace"

        static func start(_ backend: CentralBackend) async throws -> Fixture {
            let storage = try TestStoreLocation(backend)
            let store = try CentralStore.create(at: storage.location)
            let w1 = try store.addNode(name: "W1", shop: "S01").token
            let w2 = try store.addNode(name: "W2", shop: "S02").token
            let admin = try store.addNode(name: "AD", shop: "S01", scope: .all).token
            try Staff.addEveryRole(store)
            let service = try await CentralService.start(location: storage.location)
            let fixture = Fixture(
                storage: storage, service: service, client: try await TestClient.start(), w1: w1, w2: w2,
                admin: admin)
            let first = try await fixture.push(
                PushRequest(
                    nodeID: "n-w1",
                    changes: [Build.createOrder("n-w1", 1, at: 1), Build.addItem("n-w1", 2, at: 2, item: "i-1")]),
                token: w1)
            #expect(first.outcomes.map(\.result) == [.applied, .applied])
            let second = try await fixture.push(
                PushRequest(nodeID: "n-w2", changes: [Self.createOrder("n-w2", 1, at: 3, order: "o-2")]), token: w2)
            #expect(second.outcomes.map(\.result) == [.applied])
            return fixture
        }

        static func createOrder(_ node: String, _ sequence: Int64, at second: UInt64, order: String) -> Change {
            var change = Build.createOrder(node, sequence, at: second, order: order)
            change.fields["customer_name"] = .text("Grace Hopper")
            change.fields["customer_email"] = .text("grace@example.com")
            return change
        }

        func stop() async throws {
            try await client.stop()
            try await service.stop()
            storage.remove()
        }

        func push(_ request: PushRequest, token: String) async throws -> PushResponse {
            let response = try await client.send(
                .post, service.baseURL + "/v1/push",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"],
                body: request.encoded())
            #expect(response.status.code == 200, "push: \(response.text)")
            return try PushResponse.decode(response.body)
        }

        func pullResponse(after: Int64, limit: Int = 500, token: String) async throws -> HTTPClientResponse {
            try await client.send(
                .get, service.baseURL + "/v1/pull?after=\(after)&limit=\(limit)",
                headers: [
                    "Authorization": "Bearer \(token)", ProtocolVersion.headerName: String(ProtocolVersion.current),
                ])
        }

        /// Every page from `after` until `has_more` is false: the entries and the final cursor,
        /// with every page's raw text (to look for what must not be there).
        func pullAll(after: Int64 = 0, limit: Int = 500, token: String) async throws -> (
            entries: [LogEntry], cursor: Int64, pages: [String]
        ) {
            var cursor = after
            var entries: [LogEntry] = []
            var pages: [String] = []
            for _ in 0..<1_000 {
                let response = try await pullResponse(after: cursor, limit: limit, token: token)
                #expect(response.status.code == 200)
                pages.append(response.text)
                let page = try PullResponse.decode(response.body)
                #expect(page.entries.count <= limit)
                entries += page.entries
                if page.hasMore { #expect(page.nextCursor > cursor, "has_more without progress") }
                cursor = page.nextCursor
                if !page.hasMore { break }
            }
            return (entries, cursor, pages)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func pullReturnsOnlyTheTokensShopAndCarriesTheCursorToTheHead(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let head = fixture.service.store.headVersion
        #expect(head == 3)

        let s02 = try await fixture.pullAll(token: fixture.w2)
        #expect(s02.entries.map(\.change.orderID) == ["o-2"])
        #expect(s02.cursor == head, "a caught-up node's cursor is the head, past versions it may not see")
        for page in s02.pages {
            #expect(!page.contains(Fixture.secret) && !page.contains("o-1") && !page.contains("i-1"))
        }

        let s01 = try await fixture.pullAll(token: fixture.w1)
        #expect(s01.entries.map(\.change.orderID) == ["o-1", "o-1"])
        #expect(s01.cursor == head)
        #expect(!s01.pages.joined().contains("Grace Hopper"))

        let everything = try await fixture.pullAll(token: fixture.admin)
        #expect(everything.entries.map(\.version) == [1, 2, 3])
        #expect(everything.cursor == head)
        try await fixture.stop()
    }

    /// Many versions of S01 and a few of S02: S02's pages hold at most `limit` entries, each page
    /// moves the cursor, and the last leaves it at the head.
    @Test(arguments: CentralBackend.allCases)
    func filteredPagesAreBoundedAndAlwaysAdvance(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let edits = (3...60).map { Build.change("n-w1", Int64($0), at: UInt64($0), ["notes": .text("note \($0)")]) }
        _ = try await fixture.push(PushRequest(nodeID: "n-w1", changes: edits), token: fixture.w1)
        let more = (2...6).map {
            Build.change(
                "n-w2", Int64($0), at: 100 + UInt64($0), entity: .order, row: "o-2", order: "o-2",
                fields: ["notes": .text("S02 note \($0)")])
        }
        _ = try await fixture.push(PushRequest(nodeID: "n-w2", changes: more), token: fixture.w2)
        let head = fixture.service.store.headVersion
        let pages = try await fixture.pullAll(limit: 2, token: fixture.w2)
        #expect(pages.entries.count == 6 && Set(pages.entries.map(\.change.orderID)) == ["o-2"])
        #expect(pages.pages.count == 3, "3 full pages, the last ending at the head")
        #expect(pages.cursor == head)
        // From a cursor in the middle of S01's run, an S02 node reads its next entries at once.
        let middle = try PullResponse.decode(
            try await fixture.pullResponse(after: 10, limit: 2, token: fixture.w2).body)
        #expect(middle.entries.map(\.change.nodeID) == ["n-w2", "n-w2"] && middle.hasMore)
        // An empty page of the shop still moves a node past other shops' versions.
        let s01Only = (61...70).map { Build.change("n-w1", Int64($0), at: UInt64($0), ["notes": .text("n\($0)")]) }
        _ = try await fixture.push(PushRequest(nodeID: "n-w1", changes: s01Only), token: fixture.w1)
        let skip = try PullResponse.decode(try await fixture.pullResponse(after: head, token: fixture.w2).body)
        #expect(skip.entries.isEmpty && !skip.hasMore && skip.nextCursor == fixture.service.store.headVersion)
        try await fixture.stop()
    }

    /// Changes to another shop's order are refused `wrong_shop` before anything reads the order,
    /// so the reply says nothing of it: not its shop, status or fields.
    @Test(arguments: CentralBackend.allCases)
    func pushRepliesSayNothingOfAnotherShopsOrder(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let probes = PushRequest(
            nodeID: "n-w2",
            changes: [
                Build.change(
                    "n-w2", 2, at: 10, entity: .order, row: "o-1", order: "o-1", fields: ["notes": .text("peek")]),
                // A move from a status o-1 is not in: without the shop checked first, the lifecycle
                // rule would answer with o-1's real status.
                Build.move("n-w2", 3, at: 11, from: "shipped", to: "delivered", order: "o-1"),
                Build.change(
                    "n-w2", 4, at: 12, entity: .orderItem, row: "i-1", order: "o-1", fields: ["quantity": .integer(2)]),
                // Creating an order under o-1's id.
                Fixture.createOrder("n-w2", 5, at: 13, order: "o-1"),
            ])
        let reply = try await fixture.push(probes, token: fixture.w2)
        #expect(reply.outcomes.map { $0.reason?.code } == [.wrongShop, .wrongShop, .wrongShop, .wrongShop])
        let text = String(decoding: reply.encoded(), as: UTF8.self)
        for secret in [Fixture.secret, "S01", "pending_payment", "Navy Suit", "10000"] {
            #expect(!text.contains(secret), "the reply reveals \(secret): \(text)")
        }
        // The admin workstation (scope all) reads every shop's orders but changes only its own shop's,
        // as its node's write path allows.
        let adminEdits = PushRequest(
            nodeID: "n-ad",
            changes: [
                Build.change(
                    "n-ad", 1, at: 20, entity: .order, row: "o-1", order: "o-1", fields: ["notes": .text("by admin")]),
                Build.change(
                    "n-ad", 2, at: 21, entity: .order, row: "o-2", order: "o-2", fields: ["notes": .text("by admin")]),
            ])
        let adminReply = try await fixture.push(adminEdits, token: fixture.admin)
        #expect(adminReply.outcomes.map { $0.reason?.code } == [nil, .wrongShop])
        // … and S01's nodes see the admin's edit of their order, S02's nodes nothing of it.
        let s01 = try await fixture.pullAll(token: fixture.w1)
        #expect(s01.entries.map(\.change.nodeID) == ["n-w1", "n-w1", "n-ad"])
        let s02 = try await fixture.pullAll(token: fixture.w2)
        #expect(s02.entries.map(\.change.orderID) == ["o-2"])
        try await fixture.stop()
    }

    /// A stream of S02 is told of S02's changes only (and an `all` stream of every change).
    @Test(arguments: CentralBackend.allCases)
    func streamEventsReachOnlyTheShopsTheyConcern(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let head = fixture.service.store.headVersion
        func subscribe(_ token: String) async throws -> (LoopBound<EventSource>, AsyncStream<ServerSentEvent>) {
            let (events, continuation) = AsyncStream.makeStream(of: ServerSentEvent.self)
            let url = fixture.service.baseURL + "/v1/stream"
            let source = try await fixture.client.thread.loop.submit { [client = fixture.client.client] loop in
                LoopBound(
                    client.value.openEventStream(
                        url: url,
                        headers: [
                            "Authorization": "Bearer \(token)",
                            ProtocolVersion.headerName: String(ProtocolVersion.current),
                        ],
                        lastEventID: String(head)
                    ) { event in continuation.yield(event) }, loop: loop)
            }
            return (source, events)
        }
        let (s02Source, s02Events) = try await subscribe(fixture.w2)
        let (adminSource, adminEvents) = try await subscribe(fixture.admin)
        try await fixture.service.waitForStreams(2)
        // S01 moves first (versions 4, 5), then S02 (version 6).
        _ = try await fixture.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change("n-w1", 3, at: 30, ["notes": .text("one")]),
                    Build.change("n-w1", 4, at: 31, ["notes": .text("two")]),
                ]), token: fixture.w1)
        _ = try await fixture.push(
            PushRequest(
                nodeID: "n-w2",
                changes: [
                    Build.change(
                        "n-w2", 2, at: 32, entity: .order, row: "o-2", order: "o-2", fields: ["notes": .text("x")])
                ]), token: fixture.w2)
        var s02 = s02Events.makeAsyncIterator()
        let first = try #require(await s02.next())
        #expect(first.id == "6", "S02's stream was told of S01's push (event \(first.id ?? "?"))")
        var admin = adminEvents.makeAsyncIterator()
        let adminFirst = try #require(await admin.next())
        let adminSecond = try #require(await admin.next())
        #expect([adminFirst.id, adminSecond.id] == ["5", "6"])
        try await fixture.client.thread.loop.submit { _ in
            s02Source.value.close()
            adminSource.value.close()
        }
        try await fixture.stop()
    }

    /// A central made before scopes: its registrations get their shop's scope and its log is
    /// filed by shop, so shop-scoped pulls work at once.
    // SQLite only: a store from before one of SQLite's migrations; PostgreSQL's schema starts past them all.
    @Test func aCentralFromBeforeScopesMigrates() async throws {
        let fixture = try await Fixture.start(.sqlite)
        try await fixture.client.stop()
        try await fixture.service.stop()
        // Back to the schema before the migration (what an older kct left on disk).
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for suffix in ["", "-wal", "-shm"]
        where FileManager.default.fileExists(atPath: fixture.storage.directory.database + suffix) {
            try FileManager.default.copyItem(
                atPath: fixture.storage.directory.database + suffix, toPath: directory.database + suffix)
        }
        fixture.storage.remove()
        try Self.undoScopesMigration(directory.database)
        let store = try CentralStore.open(path: directory.database)
        #expect(try store.nodes().map { "\($0.name):\($0.scope)" } == ["AD:shop", "W1:shop", "W2:shop"])
        #expect(try store.pull(PullRequest(after: 0)).entries.count == 3)
        let s02 = try store.pullPage(PullRequest(after: 0), shop: "S02")
        let page = try PullResponse.decode(s02.body)
        #expect(page.entries.map(\.change.orderID) == ["o-2"])
    }
}

extension ScopeTests {
    /// Turns a store back into one from before scopes (what an older kct left on disk).
    static func undoScopesMigration(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            // Its log as text, filed by the trigger of the scopes migration.
            try PackedLogTests.unpackLog(SQLiteConnection(db))
            try db.execute(
                sql: """
                    DROP TRIGGER log_shops_on_append;
                    DROP TABLE log_shops;
                    ALTER TABLE nodes DROP COLUMN scope;
                    DELETE FROM grdb_migrations WHERE identifier = '2026-12-07-node-scopes';
                    """)
        }
        try queue.close()
    }
}

extension CentralService {
    /// Waits (up to 5 s) until `count` streams are subscribed, read from `/metrics`.
    func waitForStreams(_ count: Int) async throws {
        for _ in 0..<100 {
            let client = try await TestClient.start()
            let metrics = try await client.send(.get, baseURL + "/metrics")
            try await client.stop()
            if metrics.text.contains("kct_sync_streams_connected \(count)") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StreamsNotConnected(expected: count)
    }
}

struct StreamsNotConnected: Error, CustomStringConvertible {
    let expected: Int
    var description: String { "fewer than \(expected) streams subscribed within 5 s" }
}
