import Foundation
import Store
import SyncCore
import TestSupport
import Testing

/// `kct init --central`, `kct join`, `kct sync now|status` and `kct node run` as processes,
/// against the in-test central.
@Suite(.serialized) struct CLIProcessTests {
    static let staff = "staff@kct.example"

    /// `kct init … --central URL --token T --json`, registering the new node's token with central.
    func initNode(_ kct: KCTBinary, central: CentralHandle, name: String) async throws -> String {
        let account = try OrderStore.testAccount(Self.staff, role: .processor, version: 1)
        try await central.with { $0.setAccounts([account]) }
        let token = "kct_cli_\(name)"
        let created = try await kct.run(
            "init", "--name", name, "--shop", "S01", "--central", try await central.url, "--token", token, "--json")
        #expect(created.status == 0, "\(created.stderr)")
        let identity = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let nodeID = try #require(identity["node_id"] as? String)
        try await central.with { $0.tokens[token] = nodeID }
        return nodeID
    }

    /// `kct sync now` (which fetches central's accounts), then `kct login` as the processor.
    func signIn(_ kct: KCTBinary) async throws {
        let synced = try await kct.run("sync", "now")
        #expect(synced.status == 0, "\(synced.stderr)")
        let login = try await kct.run(["login", "--email", Self.staff, "--password-stdin"], stdin: testPassword + "\n")
        try #require(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("processor"))
    }

    @Test func syncNowPushesAndStatusReportsIt() async throws {
        let central = try await CentralHandle.start()
        let kct = KCTBinary()
        defer { kct.cleanUp() }
        _ = try await initNode(kct, central: central, name: "W1")
        let unsigned = try await kct.run(
            "orders", "create", "--customer", "Jane Doe", "--email", "jane@example.com",
            "--item", "name=Navy Suit,qty=1,price=899.00")
        #expect(unsigned.status == 7)
        try await signIn(kct)
        let created = try await kct.run(
            "orders", "create", "--customer", "Jane Doe", "--email", "jane@example.com",
            "--item", "name=Navy Suit,qty=1,price=899.00")
        #expect(created.status == 0, "\(created.stderr)")

        let synced = try await kct.run("sync", "now")
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.stdout.hasPrefix("pushed "))
        #expect(try await central.with { $0.model.headVersion } > 0)

        let status = try await kct.run("sync", "status", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["online"] as? Bool == true)
        #expect(json["pending"] as? Int == 0)
        #expect(json["lag"] as? Int == 0)
        #expect(json["last_error"] is NSNull)

        // Central gone: a clear message and a non-zero exit; the status says so.
        try await central.stop()
        let failed = try await kct.run("sync", "now")
        #expect(failed.status == 6)
        #expect(failed.stderr.contains("central unreachable"))
        let offline = try await kct.run("sync", "status")
        #expect(offline.stdout.contains("online:         no"))
        #expect(offline.stdout.contains("unreachable"))
    }

    @Test func joinSetsTheCentral() async throws {
        let kct = KCTBinary()
        defer { kct.cleanUp() }
        #expect(try await kct.run("init", "--name", "W2", "--shop", "S01").status == 0)
        let notJoined = try await kct.run("sync", "now")
        #expect(notJoined.status == 6)
        #expect(notJoined.stderr.contains("kct join"))
        #expect(try await kct.run("join", "ftp://nowhere", "--token", "t").status != 0)
        let joined = try await kct.run("join", "http://127.0.0.1:9", "--token", "kct_abc")
        #expect(joined.status == 0)
        #expect(joined.stderr.contains("could not fetch the staff accounts from central yet"))
        let status = try await kct.run("sync", "status", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["central_url"] as? String == "http://127.0.0.1:9")
    }

    @Test func joinFetchesTheAccountsSoLoginWorksAtOnce() async throws {
        try await withStopping(try await CentralHandle.start()) { central in
            let kct = KCTBinary()
            defer { kct.cleanUp() }
            let account = try OrderStore.testAccount(Self.staff, role: .processor, version: 1)
            try await central.with { $0.setAccounts([account]) }
            let created = try await kct.run("init", "--name", "W4", "--shop", "S01", "--json")
            let identity = try #require(
                try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
            let nodeID = try #require(identity["node_id"] as? String)
            try await central.with { $0.tokens["kct_cli_W4"] = nodeID }
            let joined = try await kct.run("join", try await central.url, "--token", "kct_cli_W4")
            #expect(joined.status == 0)
            #expect(joined.stderr.contains("fetched 1 staff account(s) from central"), "\(joined.stderr)")
            let login = try await kct.run(
                ["login", "--email", Self.staff, "--password-stdin"], stdin: testPassword + "\n")
            #expect(login.status == 0, "\(login.stderr)")
            let users = try await kct.run("users", "list")
            #expect(users.stderr.contains("accounts from central (version 1)"))
        }
    }

    @Test func nodeRunPrintsItsAddressServesAndExitsZeroOnSIGTERM() async throws {
        try await withStopping(try await CentralHandle.start()) { central in
            let kct = KCTBinary()
            defer { kct.cleanUp() }
            _ = try await initNode(kct, central: central, name: "W3")
            _ = try await kct.run("sync", "now")
            let (node, line) = try await kct.start("node", "run", "--listen", "127.0.0.1:0")
            let prefix = "node listening on http://127.0.0.1:"
            #expect(line.hasPrefix(prefix))
            let port = try #require(Int(line.dropFirst(prefix.count)))

            let anonymous = try await APIClient.start(baseURL: "http://127.0.0.1:\(port)")
            #expect(try await anonymous.request(.get, "/api/orders").status == 401)
            let session = try await anonymous.request(
                .post, "/api/session", body: #"{"email": "\#(Self.staff)", "password": "\#(testPassword)"}"#)
            #expect(session.status == 201, "\(session.text)")
            try await anonymous.stop()
            let token = try #require((session.json as? [String: Any])?["token"] as? String)
            let api = try await APIClient.start(baseURL: "http://127.0.0.1:\(port)", token: token)
            let created = try await api.request(
                .post, "/api/orders",
                body: """
                    {"customer_name": "Jane Doe", "customer_email": "jane@example.com",
                     "items": [{"product_name": "Navy Suit", "unit_price": "899.00"}]}
                    """)
            #expect(created.status == 201)
            try await api.stop()
            // The daemon pushes it shortly after; central's stream then tells it the head moved.
            try await central.waitUntil("central has the order") { $0.model.headVersion > 0 }

            #expect(try await node.stop() == 0)
        }
    }
}
