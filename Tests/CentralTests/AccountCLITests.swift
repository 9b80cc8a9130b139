import Foundation
import SyncCore
import TestSupport
import Testing

/// `kct central add-user|set-role|disable|enable|set-password|list-users|audit` through the
/// built binary: exit codes, one-line errors, no secret in any output.
@Suite struct AccountCLITests {
    static func kct(_ arguments: String..., input: String? = nil) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try ServeProcessTests.run(arguments, input: input)
    }

    static func json(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    @Test func accountsAreManagedFromTheCommandLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = directory.database
        let password = "a long enough password"
        #expect(try Self.kct("central", "init", "--db", db).status == 0)
        let added = try Self.kct(
            "central", "add-user", "--db", db, "--email", "Ana@KCT.example", "--name", "Ana Pérez", "--role",
            "processor", "--password-stdin", input: password + "\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr.contains("ana@kct.example"))

        let duplicate = try Self.kct(
            "central", "add-user", "--db", db, "--email", "ana@kct.example", "--name", "Ana", "--role", "viewer",
            "--password-stdin", input: password + "\n")
        #expect(duplicate.status == 4 && duplicate.stderr.contains("already exists"))
        let short = try Self.kct(
            "central", "add-user", "--db", db, "--email", "bo@kct.example", "--name", "Bo", "--role", "viewer",
            "--password-stdin", input: "short\n")
        #expect(short.status == 1 && short.stderr.contains("at least 8 characters"))
        let noTerminal = try Self.kct(
            "central", "add-user", "--db", db, "--email", "bo@kct.example", "--name", "Bo", "--role", "viewer")
        #expect(noTerminal.status == 1 && noTerminal.stderr.contains("--password-stdin"))
        let badEmail = try Self.kct(
            "central", "add-user", "--db", db, "--email", "not-an-email", "--name", "Bo", "--role", "viewer",
            "--password-stdin", input: password + "\n")
        #expect(badEmail.status == 64 && badEmail.stderr.contains("not an e-mail"))
        let badRole = try Self.kct("central", "set-role", "--db", db, "--email", "ana@kct.example", "--role", "boss")
        #expect(badRole.status == 64 && badRole.stderr.contains("admin"))
        let unknown = try Self.kct("central", "set-role", "--db", db, "--email", "zed@kct.example", "--role", "manager")
        #expect(unknown.status == 2 && unknown.stderr.split(separator: "\n").count == 1)

        #expect(
            try Self.kct("central", "set-role", "--db", db, "--email", "ana@kct.example", "--role", "manager").status
                == 0)
        #expect(try Self.kct("central", "disable", "--db", db, "--email", "ANA@kct.example").status == 0)
        var listed = try Self.json(try Self.kct("central", "list-users", "--db", db, "--json").stdout)
        #expect(listed.count == 1)
        #expect(listed[0]["email"] as? String == "ana@kct.example" && listed[0]["role"] as? String == "manager")
        #expect(listed[0]["disabled"] as? Bool == true && listed[0]["name"] as? String == "Ana Pérez")
        #expect(listed[0]["password_hash"] == nil)
        #expect(try Self.kct("central", "enable", "--db", db, "--email", "ana@kct.example").status == 0)
        #expect(
            try Self.kct(
                "central", "set-password", "--db", db, "--email", "ana@kct.example", "--password-stdin",
                input: "another long password\n"
            ).status == 0)
        listed = try Self.json(try Self.kct("central", "list-users", "--db", db, "--json").stdout)
        #expect(listed[0]["disabled"] as? Bool == false && listed[0]["version"] as? Int == 5)
        let table = try Self.kct("central", "list-users", "--db", db)
        #expect(table.stdout.contains("ana@kct.example") && table.stdout.contains("active"))
        #expect(!table.stdout.contains("scrypt"))

        let audit = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--json")
        #expect(audit.status == 0)
        let entries = try Self.json(audit.stdout)
        #expect(
            entries.map { $0["kind"] as? String } == [
                "account_created", "role_changed", "account_disabled", "account_enabled", "password_set",
            ])
        #expect((entries[1]["detail"] as? String)?.hasPrefix("processor → manager (by ") == true)
        let latest = try Self.json(
            try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--limit", "2", "--json").stdout)
        #expect(latest.map { $0["kind"] as? String } == ["account_enabled", "password_set"])
        let human = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example")
        #expect(human.stdout.split(separator: "\n").count == 6 && human.stdout.hasPrefix("TIME"))
        for output in [audit.stdout, human.stdout, table.stdout, added.stderr] {
            #expect(
                !output.contains(password) && !output.contains("another long password") && !output.contains("scrypt$"))
        }
        let both = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--node", "W1")
        #expect(both.status == 64 && both.stderr.contains("exactly one"))
    }

    @Test func aRunningServeSeesAccountChangesMadeByTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = directory.database
        #expect(try Self.kct("central", "init", "--db", db).status == 0)
        let node = try JSONSerialization.jsonObject(
            with: Data(
                try Self.kct("central", "add-node", "--db", db, "--name", "W1", "--shop", "S01", "--json").stdout.utf8))
        let token = try #require((node as? [String: Any])?["token"] as? String)
        #expect(
            try Self.kct(
                "central", "add-user", "--db", db, "--email", "ana@kct.example", "--name", "Ana", "--role", "processor",
                "--password-stdin", input: "a long enough password\n"
            ).status == 0)

        let server = Process()
        server.executableURL = ServeProcessTests.executable
        server.arguments = ["central", "serve", "--db", db, "--listen", "127.0.0.1:0"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        var line: [UInt8] = []
        while let byte = try out.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        let url = String(String(decoding: line, as: UTF8.self).dropFirst("central listening on ".count))
        let client = try await TestClient.start()
        func push(_ sequence: Int64, _ notes: String) async throws -> ChangeOutcome? {
            let change =
                sequence == 1
                ? Build.change(
                    "n-w1", 1, at: 1, entity: .order, row: "o-1", fields: Build.createOrder("n-w1", 1, at: 1).fields,
                    author: "ana@kct.example")
                : Build.change(
                    "n-w1", sequence, at: UInt64(sequence), entity: .order, row: "o-1", fields: ["notes": .text(notes)],
                    author: "ana@kct.example")
            let response = try await client.send(
                .post, url + "/v1/push",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"],
                body: PushRequest(nodeID: "n-w1", changes: [change]).encoded())
            return try PushResponse.decode(response.body).outcomes.first
        }
        #expect(try await push(1, "").map(\.result) == .applied)
        #expect(try await push(2, "before").map(\.result) == .applied)
        #expect(
            try Self.kct("central", "set-role", "--db", db, "--email", "ana@kct.example", "--role", "viewer").status
                == 0)
        #expect(try await push(3, "after the demotion")?.reason?.code == .forbidden)
        #expect(try Self.kct("central", "disable", "--db", db, "--email", "ana@kct.example").status == 0)
        #expect(try await push(4, "after disabling")?.reason?.code == .accountDisabled)
        let accounts = try await client.send(
            .get, url + "/v1/accounts",
            headers: ["Authorization": "Bearer \(token)", ProtocolVersion.headerName: String(ProtocolVersion.current)])
        #expect(try AccountsResponse.decode(accounts.body).accounts.map(\.disabled) == [true])
        try await client.stop()
        let trail = try Self.json(try Self.kct("central", "audit", "--db", db, "--order", "S01-W1-1", "--json").stdout)
        #expect(trail.map { $0["outcome"] as? String } == ["applied", "applied", "rejected", "rejected"])
    }
}
