import Central
import Foundation
import HTTP
import LocalPostgres
import SyncCore
import TestSupport
import Testing

/// Central on PostgreSQL when the database goes away and comes back (issue 14): nodes get a clear
/// 503 `unavailable` (they keep their outbox and retry), `/healthz` says 503 too, and central
/// serves again by itself once the database is back. The outage is real: the database stops
/// taking connections and central's sessions are terminated by the server.
@Suite(.serialized) struct PostgresOutageTests {
    @Test func anUnreachableDatabaseIsA503AndCentralRecoversByItself() async throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let database = try #require(url.split(separator: "/").last.map(String.init))
        let store = try CentralStore.create(at: .postgres(url: url))
        let token = try store.addNode(name: "W1", shop: "S01").token
        try Staff.addEveryRole(store)
        let service = try await CentralService.start(location: .postgres(url: url))
        let client = try await TestClient.start()
        func push(_ sequence: Int64) async throws -> HTTPClientResponse {
            let request = PushRequest(
                nodeID: "n-w1",
                changes: [Build.createOrder("n-w1", sequence, at: UInt64(sequence), order: "o-\(sequence)")])
            return try await client.send(
                .post, service.baseURL + "/v1/push",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"],
                body: request.encoded())
        }
        func health() async throws -> HTTPClientResponse {
            try await client.send(.get, service.baseURL + "/healthz")
        }
        do {
            #expect(try await push(1).status.code == 200)
            #expect(try await health().status.code == 200)

            try server.psql(
                server.url(database: "postgres"),
                """
                ALTER DATABASE \(database) ALLOW_CONNECTIONS false;
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)';
                """)
            let refused = try await push(2)
            #expect(refused.status.code == 503)
            let error = try protocolError(refused)
            #expect(error.code == .unavailable)
            #expect(error.message.contains("unreachable"), "\(error.message)")
            #expect(try await health().status.code == 503)

            try server.psql(server.url(database: "postgres"), "ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
            // The same change again, as the node's retry sends it: taken once.
            let retried = try await push(2)
            #expect(retried.status.code == 200)
            #expect(try PushResponse.decode(retried.body).headVersion == 2)
            #expect(try await health().status.code == 200)
        } catch {
            try? await client.stop()
            try? await service.stop()
            throw error
        }
        try await client.stop()
        try await service.stop()
    }
}

/// A node token's rate limit holds across serve processes on one PostgreSQL database: the
/// budget spent at one process is spent at the other (issue 14).
@Suite(.serialized) struct SharedRateLimitTests {
    @Test func aTokensBudgetIsSharedByEveryServeProcess() async throws {
        let url = try PostgresServer.shared().createDatabase()
        let store = try CentralStore.create(at: .postgres(url: url))
        let token = try store.addNode(name: "W1", shop: "S01").token
        let other = try store.addNode(name: "W2", shop: "S01").token
        let options = CentralServeOptions(rateLimitPerSecond: 0.2, rateLimitBurst: 3)
        let first = try await CentralService.start(location: .postgres(url: url), options: options)
        let second = try await CentralService.start(location: .postgres(url: url), options: options)
        let client = try await TestClient.start()
        func pull(_ service: CentralService, _ token: String) async throws -> HTTPClientResponse {
            try await client.send(
                .get, service.baseURL + "/v1/pull?after=0",
                headers: [
                    "Authorization": "Bearer \(token)", ProtocolVersion.headerName: String(ProtocolVersion.current),
                ])
        }
        do {
            for _ in 0..<3 { #expect(try await pull(first, token).status.code == 200) }
            // The second process has never seen this token, yet its budget is spent.
            let refused = try await pull(second, token)
            #expect(refused.status.code == 429)
            #expect(refused.headers["Retry-After"].flatMap(Int.init).map { $0 >= 1 } == true)
            // Another token's budget is its own.
            #expect(try await pull(second, other).status.code == 200)
        } catch {
            try? await client.stop()
            try? await first.stop()
            try? await second.stop()
            throw error
        }
        try await client.stop()
        try await first.stop()
        try await second.stop()
    }
}
