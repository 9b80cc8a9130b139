import Central
import Foundation
import HTTP
import SyncCore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Central's surface over HTTP on loopback: credentials on every endpoint, accounts and audit
/// endpoints, rate limits, loopback-only health and metrics, replayed and tampered pushes.
@Suite struct HardeningTests {
    typealias Fixture = HTTPEndpointTests.Fixture

    static let protected: [(HTTPMethod, String)] = [
        (.post, "/v1/push"), (.get, "/v1/pull?after=0"), (.get, "/v1/snapshot"), (.get, "/v1/stream"),
        (.get, "/v1/accounts"), (.post, "/v1/audit"),
    ]

    @Test(arguments: CentralBackend.allCases)
    func everyProtocolEndpointNeedsANodeToken(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            for token in [nil, "kct_wrong"] as [String?] {
                for (method, path) in Self.protected {
                    var headers: HTTPHeaders = [
                        ProtocolVersion.headerName: String(ProtocolVersion.current), "Content-Type": "application/json",
                    ]
                    if let token { headers.set("Authorization", "Bearer \(token)") }
                    let body: [UInt8]? =
                        method == .post
                        ? Array(#"{"protocol_version":3,"node_id":"n-w1","changes":[],"events":[]}"#.utf8) : nil
                    let response = try await fixture.client.send(
                        method, fixture.url + path, headers: headers, body: body)
                    #expect(response.status.code == 401, "\(method.name) \(path) with token \(token ?? "none")")
                    #expect(try protocolError(response).code == .unauthorized)
                }
            }
            #expect(
                fixture.service.store.refusedTokens[.missing] >= 1 && fixture.service.store.refusedTokens[.unknown] >= 1
            )
            // Health and metrics need none (from loopback).
            #expect(try await fixture.get("/healthz", token: nil, headers: [:]).status.code == 200)
            let metrics = try await fixture.get("/metrics", token: nil, headers: [:])
            #expect(metrics.text.contains(#"kct_auth_refused_requests_count{reason="unknown"}"#))
            #expect(!metrics.text.contains("kct_wrong"))
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func accountsEndpointServesHashesNeverPasswords(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            let response = try await fixture.get("/v1/accounts", token: fixture.w1)
            #expect(response.status.code == 200)
            let accounts = try AccountsResponse.decode(response.body)
            #expect(
                accounts.accounts.map(\.email).sorted()
                    == (["staff@kct.example"] + StaffRole.allCases.map(Staff.email)).sorted())
            #expect(accounts.accounts.allSatisfy { $0.passwordHash.hasPrefix("scrypt$") })
            #expect(!response.text.contains(Staff.password))
            #expect(accounts.version == accounts.accounts.map(\.version).max())
            // Unchanged since the version the node knows: an empty list and the same version.
            let unchanged = try AccountsResponse.decode(
                try await fixture.get("/v1/accounts?known=\(accounts.version)", token: fixture.w1).body)
            #expect(unchanged.accounts.isEmpty && unchanged.version == accounts.version)
            // A change by another process (`kct central set-role`) shows at once.
            try CentralStore.open(at: fixture.storage.location).setRole(
                of: Staff.email(.viewer), to: .processor, by: "tests")
            let changed = try AccountsResponse.decode(
                try await fixture.get("/v1/accounts?known=\(accounts.version)", token: fixture.w1).body)
            #expect(changed.version == accounts.version + 1)
            #expect(changed.accounts.first { $0.email == Staff.email(.viewer) }?.role == .processor)
            let bad = try await fixture.get("/v1/accounts?known=yesterday", token: fixture.w1)
            #expect(try bad.status.code == 400 && protocolError(bad).code == .invalidMessage)
            let noVersion = try await fixture.get("/v1/accounts", token: fixture.w1, headers: [:])
            #expect(noVersion.status.code == 400)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func roleChangesByAnotherProcessCountFromTheNextPush(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            let processor = Staff.email(.processor)
            let first = try await fixture.push(
                PushRequest(
                    nodeID: "n-w1",
                    changes: [
                        Build.createOrder("n-w1", 1, at: 1),
                        Build.change(
                            "n-w1", 2, at: 2, entity: .order, row: "o-1", fields: ["notes": .text("by the processor")],
                            author: processor),
                    ]), token: fixture.w1)
            #expect(try PushResponse.decode(first.body).outcomes.map(\.result) == [.applied, .applied])
            try CentralStore.open(at: fixture.storage.location).setRole(of: processor, to: .viewer, by: "tests")
            let second = try await fixture.push(
                PushRequest(
                    nodeID: "n-w1",
                    changes: [
                        Build.change(
                            "n-w1", 3, at: 3, entity: .order, row: "o-1",
                            fields: ["notes": .text("queued while offline")],
                            author: processor)
                    ]), token: fixture.w1)
            let outcome = try #require(try PushResponse.decode(second.body).outcomes.first)
            #expect(outcome.result == .rejected && outcome.reason?.code == .forbidden)
            #expect(fixture.head == 2)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func auditUploadsAreIdempotentOverHTTP(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            let upload = AuditUploadRequest(
                nodeID: "n-w1",
                events: [
                    AuthEvent(
                        id: "4f1c2a9e-0000-4000-8000-000000000001", kind: .signIn, email: Staff.email(.processor),
                        at: "2026-11-25T14:00:00.000Z", detail: "api")
                ])
            let headers: HTTPHeaders = ["Content-Type": "application/json", "Authorization": "Bearer \(fixture.w1)"]
            let first = try await fixture.client.send(
                .post, fixture.url + "/v1/audit", headers: headers, body: upload.encoded())
            #expect(first.status.code == 200)
            #expect(try AuditUploadResponse.decode(first.body) == AuditUploadResponse(recorded: 1, duplicates: 0))
            let again = try await fixture.client.send(
                .post, fixture.url + "/v1/audit", headers: headers, body: upload.encoded())
            #expect(try AuditUploadResponse.decode(again.body) == AuditUploadResponse(recorded: 0, duplicates: 1))
            let wrongNode = try await fixture.client.send(
                .post, fixture.url + "/v1/audit",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(fixture.w2)"],
                body: upload.encoded())
            #expect(try wrongNode.status.code == 403 && protocolError(wrongNode).code == .forbidden)
            let malformed = try await fixture.client.send(
                .post, fixture.url + "/v1/audit", headers: headers, body: Array("{".utf8))
            #expect(try malformed.status.code == 400 && protocolError(malformed).code == .malformedJSON)
            #expect(try fixture.service.store.audit(.node("W1")).filter { $0.kind == .signIn }.count == 1)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func aReplayedPushChangesNothingAndATamperedOneIsRefused(_ backend: CentralBackend) async throws {
        try await withStopping(try await Fixture.start(backend)) { fixture in
            _ = try await fixture.push(HTTPEndpointTests.create, token: fixture.w1)
            let snapshot = try fixture.service.store.replicaSnapshot()
            let trail = try fixture.service.store.audit(.order("o-1"))
            let replay = try await fixture.push(HTTPEndpointTests.create, token: fixture.w1)
            #expect(replay.status.code == 200)
            #expect(try PushResponse.decode(replay.body).outcomes.allSatisfy(\.replayed))
            var tampered = HTTPEndpointTests.create
            tampered.changes[2].fields["notes"] = .text("tampered")
            let refused = try await fixture.push(tampered, token: fixture.w1)
            #expect(try refused.status.code == 409 && protocolError(refused).code == .sequenceReused)
            #expect(try fixture.service.store.replicaSnapshot() == snapshot && fixture.head == 3)
            #expect(try fixture.service.store.audit(.order("o-1")) == trail)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func requestsBeyondATokensRateGet429(_ backend: CentralBackend) async throws {
        let storage = try TestStoreLocation(backend)
        let store = try CentralStore.create(at: storage.location)
        let w1 = try store.addNode(name: "W1", shop: "S01").token
        let w2 = try store.addNode(name: "W2", shop: "S01").token
        // A bucket of 3 refilled once every 1000 s: the fourth request within the test is refused.
        let options = CentralServeOptions(rateLimitPerSecond: 0.001, rateLimitBurst: 3)
        let service = try await CentralService.start(location: storage.location, options: options)
        let client = try await TestClient.start()
        func pull(_ token: String) async throws -> HTTPClientResponse {
            try await client.send(
                .get, service.baseURL + "/v1/pull?after=0",
                headers: [
                    "Authorization": "Bearer \(token)", ProtocolVersion.headerName: String(ProtocolVersion.current),
                ])
        }
        for _ in 0..<3 { #expect(try await pull(w1).status.code == 200) }
        let limited = try await pull(w1)
        #expect(limited.status.code == 429)
        #expect(try protocolError(limited).code == .rateLimited)
        let retryAfter = try #require(limited.headers["Retry-After"].flatMap { Int($0) })
        #expect(retryAfter > 1 && retryAfter <= 1000)
        // Another token has its own bucket; health is not rate-limited.
        #expect(try await pull(w2).status.code == 200)
        #expect(try await client.send(.get, service.baseURL + "/healthz").status.code == 200)
        let metrics = try await client.send(.get, service.baseURL + "/metrics")
        #expect(metrics.text.contains("kct_sync_rate_limited_requests_total 1"))
        try await client.stop()
        try await service.stop()
        storage.remove()
    }

    /// This machine's first IPv4 address that is not loopback, if it has one.
    static func nonLoopbackAddress() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else {
                continue
            }
            let ip = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard UInt32(bigEndian: ip.s_addr) >> 24 != 127 else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var copy = ip
            guard inet_ntop(AF_INET, &copy, &text, socklen_t(text.count)) != nil else { continue }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }

    @Test(
        .enabled(if: nonLoopbackAddress() != nil, "needs a network interface besides loopback"),
        arguments: CentralBackend.allCases)
    func healthAndMetricsAnswerOnlyLoopbackPeersUnlessPublic(_ backend: CentralBackend) async throws {
        let address = try #require(Self.nonLoopbackAddress())
        let storage = try TestStoreLocation(backend)
        let store = try CentralStore.create(at: storage.location)
        let w1 = try store.addNode(name: "W1", shop: "S01").token
        let client = try await TestClient.start()
        for publicMetrics in [false, true] {
            let service = try await CentralService.start(
                location: storage.location, host: "0.0.0.0",
                options: CentralServeOptions(publicMetrics: publicMetrics))
            let remote = "http://\(address):\(service.port)"
            let local = "http://127.0.0.1:\(service.port)"
            for path in ["/healthz", "/metrics"] {
                #expect(try await client.send(.get, local + path).status.code == 200)
                let fromOutside = try await client.send(.get, remote + path)
                #expect(
                    fromOutside.status.code == (publicMetrics ? 200 : 403),
                    "\(path) from \(address), public: \(publicMetrics)")
            }
            // The token-protected endpoints answer any peer with a token.
            let pull = try await client.send(
                .get, remote + "/v1/pull?after=0",
                headers: ["Authorization": "Bearer \(w1)", ProtocolVersion.headerName: String(ProtocolVersion.current)])
            #expect(pull.status.code == 200)
            try await service.stop()
        }
        try await client.stop()
        storage.remove()
    }
}
