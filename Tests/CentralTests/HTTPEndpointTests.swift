import Central
import EventLoop
import Foundation
import HTTP
import SyncCore
import TestSupport
import Testing

/// Central's endpoints on 127.0.0.1, port 0, through the project's HTTP client: hostile input
/// at the protocol, paging, the stream and the metrics.
@Suite struct HTTPEndpointTests {
    /// A running central with W1 and W2 registered.
    struct Fixture: Stoppable {
        let storage: TestStoreLocation
        let service: CentralService
        let client: TestClient
        let w1: String
        let w2: String

        static func start(_ backend: CentralBackend) async throws -> Fixture {
            let storage = try TestStoreLocation(backend)
            let store = try CentralStore.create(at: storage.location)
            let w1 = try store.addNode(name: "W1", shop: "S01").token
            let w2 = try store.addNode(name: "W2", shop: "S01").token
            try Staff.addEveryRole(store)
            let service = try await CentralService.start(location: storage.location)
            return Fixture(storage: storage, service: service, client: try await TestClient.start(), w1: w1, w2: w2)
        }

        func stop() async throws {
            try await client.stop()
            try await service.stop()
            storage.remove()
        }

        var url: String { service.baseURL }

        func push(_ body: [UInt8], token: String?, headers extra: HTTPHeaders = [:]) async throws -> HTTPClientResponse
        {
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            if let token { headers.set("Authorization", "Bearer \(token)") }
            for (name, value) in extra { headers.set(name, value) }
            return try await client.send(.post, url + "/v1/push", headers: headers, body: body)
        }

        func push(_ request: PushRequest, token: String?) async throws -> HTTPClientResponse {
            try await push(request.encoded(), token: token)
        }

        func get(
            _ path: String, token: String?,
            headers extra: HTTPHeaders = [ProtocolVersion.headerName: String(ProtocolVersion.current)]
        )
            async throws -> HTTPClientResponse
        {
            var headers = extra
            if let token { headers.set("Authorization", "Bearer \(token)") }
            return try await client.send(.get, url + path, headers: headers)
        }

        var head: Int64 { service.store.headVersion }
    }

    static let create = PushRequest(
        nodeID: "n-w1",
        changes: [
            Build.createOrder("n-w1", 1, at: 1),
            Build.addItem("n-w1", 2, at: 2, item: "i-1"),
            Build.change("n-w1", 3, at: 3, ["notes": .text("gift wrap")]),
        ])

    @Test(arguments: CentralBackend.allCases)
    func pushIsSettledAndGzipWorksBothWays(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            let compressed = try Gzip.compress(Self.create.encoded())
            let response = try await fixture.push(
                compressed, token: fixture.w1, headers: ["Content-Encoding": "gzip", "Accept-Encoding": "gzip"])
            #expect(response.status.code == 200)
            let reply = try PushResponse.decode(response.body)
            #expect(reply.outcomes.map(\.result) == [.applied, .applied, .applied])
            #expect(reply.acknowledgedThrough == 3 && reply.headVersion == 3)
            let health = try HealthResponse.decode(try await fixture.get("/healthz", token: nil, headers: [:]).body)
            #expect(health.headVersion == 3)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func hostileInputIsRefusedClearlyAndChangesNothing(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            _ = try await fixture.push(Self.create, token: fixture.w1)
            let snapshot = try fixture.service.store.replicaSnapshot()

            let malformed = try await fixture.push(Array(#"{"protocol_version":3,"node_id":"#.utf8), token: fixture.w1)
            #expect(try malformed.status.code == 400 && (protocolError(malformed)).code == .malformedJSON)

            var future = Self.create.wire
            if case .object(var members) = future {
                members["protocol_version"] = .integer(4)
                future = .object(members)
            }
            let version = try await fixture.push(future.canonicalBytes, token: fixture.w1)
            let versionError = try protocolError(version)
            #expect(version.status.code == 426 && versionError.code == .unsupportedProtocolVersion)
            #expect(versionError.peerVersion == 4 && versionError.supportedVersions == 3...3)
            #expect(versionError.message.contains("4") && versionError.message.contains("3"))

            let wrongToken = try await fixture.push(Self.create, token: "kct_wrong")
            #expect(try wrongToken.status.code == 401 && (protocolError(wrongToken)).code == .unauthorized)
            let noToken = try await fixture.push(Self.create, token: nil)
            #expect(noToken.status.code == 401)

            let otherNode = try await fixture.push(PushRequest(nodeID: "n-w2", changes: []), token: fixture.w1)
            #expect(try otherNode.status.code == 403 && (protocolError(otherNode)).code == .forbidden)

            let gap = try await fixture.push(
                PushRequest(nodeID: "n-w1", changes: [Build.change("n-w1", 9, at: 9, ["notes": .text("x")])]),
                token: fixture.w1)
            let gapError = try protocolError(gap)
            #expect(gap.status.code == 409 && gapError.code == .sequenceGap && gapError.expectedSequence == 4)

            let many = PushRequest(
                nodeID: "n-w1",
                changes: (4...1004).map { Build.change("n-w1", Int64($0), at: 10, ["notes": .text("n\($0)")]) })
            let batch = try await fixture.push(many, token: fixture.w1)
            #expect(try batch.status.code == 413 && (protocolError(batch)).code == .batchTooLarge)

            let huge = [UInt8](repeating: UInt8(ascii: " "), count: ProtocolLimits.maximumBodyBytes + 1)
            let payload = try await fixture.push(huge, token: fixture.w1)
            #expect(try payload.status.code == 413 && (protocolError(payload)).code == .payloadTooLarge)
            let bomb = try await fixture.push(
                try Gzip.compress(huge), token: fixture.w1, headers: ["Content-Encoding": "gzip"])
            #expect(try bomb.status.code == 413 && (protocolError(bomb)).code == .payloadTooLarge)

            let text = try await fixture.push(
                Self.create.encoded(), token: fixture.w1, headers: ["Content-Type": "text/plain"])
            #expect(text.status.code == 415)

            let unknown = PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 4, at: 10, entity: .order, row: "o-404", order: "o-404",
                        fields: ["notes": .text("no such order")]),
                    Build.change("n-w1", 5, at: 11, ["shoe_size": .integer(44)]),
                ])
            let rejected = try await fixture.push(unknown, token: fixture.w1)
            let reply = try PushResponse.decode(rejected.body)
            #expect(rejected.status.code == 200)
            #expect(reply.outcomes.map { $0.reason?.code } == [.unknownRow, .unknownField])

            #expect(try fixture.service.store.replicaSnapshot() == snapshot)
            #expect(fixture.head == 3)

            try fixture.service.store.revokeNode(name: "W1")
            let revoked = try await fixture.push(Self.create, token: fixture.w1)
            #expect(revoked.status.code == 401)
            let revokedPull = try await fixture.get("/v1/pull?after=0", token: fixture.w1)
            #expect(revokedPull.status.code == 401)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func pullPagesThroughTheLog(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            _ = try await fixture.push(Self.create, token: fixture.w1)
            var cursor: Int64 = 0
            var versions: [Int64] = []
            var pages = 0
            while true {
                let response = try await fixture.get("/v1/pull?after=\(cursor)&limit=2", token: fixture.w2)
                #expect(response.status.code == 200)
                let page = try PullResponse.decode(response.body)
                versions += page.entries.map(\.version)
                cursor = page.nextCursor
                pages += 1
                #expect(page.headVersion == 3)
                if !page.hasMore { break }
            }
            #expect(versions == [1, 2, 3] && pages == 2)
            let noVersion = try await fixture.get("/v1/pull?after=0", token: fixture.w2, headers: [:])
            #expect(noVersion.status.code == 400)
            let future = try await fixture.get(
                "/v1/pull?after=0", token: fixture.w2, headers: [ProtocolVersion.headerName: "4"])
            #expect(try future.status.code == 426 && (protocolError(future)).peerVersion == 4)
            let badCursor = try await fixture.get("/v1/pull?after=minus", token: fixture.w2)
            #expect(try badCursor.status.code == 400 && (protocolError(badCursor)).code == .invalidCursor)
            let wrongMethod = try await fixture.client.send(.delete, fixture.url + "/v1/pull")
            #expect(try wrongMethod.status.code == 405 && (protocolError(wrongMethod)).code == .methodNotAllowed)
            let missing = try await fixture.get("/v2/pull", token: fixture.w2)
            #expect(try missing.status.code == 404 && (protocolError(missing)).code == .notFound)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func streamTellsSubscribersWhenTheLogAdvances(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            _ = try await fixture.push(
                PushRequest(nodeID: "n-w1", changes: [Self.create.changes[0]]), token: fixture.w1)
            let (events, continuation) = AsyncStream.makeStream(of: ServerSentEvent.self)
            let url = fixture.url + "/v1/stream"
            let token = fixture.w2
            // Last-Event-ID 0 is behind the head (1): an event arrives at once; then one per push.
            let source = try await fixture.client.thread.loop.submit { [client = fixture.client.client] loop in
                LoopBound(
                    client.value.openEventStream(
                        url: url,
                        headers: [
                            "Authorization": "Bearer \(token)",
                            ProtocolVersion.headerName: String(ProtocolVersion.current),
                        ],
                        lastEventID: "0"
                    ) { event in continuation.yield(event) }, loop: loop)
            }
            var iterator = events.makeAsyncIterator()
            let first = try #require(await iterator.next())
            #expect(first.id == "1" && first.event == StreamEvent.eventName)
            #expect(try StreamEvent.decode(Array(first.data.utf8)).headVersion == 1)
            _ = try await fixture.push(
                PushRequest(nodeID: "n-w1", changes: Array(Self.create.changes[1...])), token: fixture.w1)
            let second = try #require(await iterator.next())
            #expect(second.id == "3")

            let metrics = try await fixture.get("/metrics", token: fixture.w2, headers: [:])
            #expect(metrics.status.code == 200)
            let text = metrics.text
            #expect(text.contains("kct_sync_pushes_total 2"))
            #expect(text.contains(#"kct_sync_changes_total{result="applied"} 3"#))
            #expect(text.contains("kct_sync_streams_connected 1"))
            #expect(text.contains("kct_sync_log_head_version 3"))
            #expect(text.contains("kct_event_loop_lag_seconds"))
            // No token needed on loopback (HardeningTests checks other peers are refused).
            let openMetrics = try await fixture.get("/metrics", token: nil, headers: [:])
            #expect(openMetrics.status.code == 200)
            try await fixture.client.thread.loop.submit { _ in source.value.close() }
        }
    }
}
