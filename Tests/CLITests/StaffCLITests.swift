import Foundation
import GRDB
import TestSupport
import Testing

/// Sign-in, accounts and roles through the binary: `kct login|logout|whoami|users`, editing
/// with nobody signed in (exit 7), a forbidden edit (exit 1), session expiry, throttling.
@Suite struct StaffCLITests {
    let kct = KCTProcess()

    init() throws {
        let created = try kct.run("init", "--name", "W1", "--shop", "S01")
        try #require(created.status == 0, "init failed: \(created.stderr)")
    }

    var database: DatabaseQueue { get throws { try DatabaseQueue(path: kct.dataDir + "/replica.sqlite") } }

    func createOrder() throws -> KCTProcess.Result {
        try kct.run(
            "orders", "create", "--customer", "Jane Doe", "--email", "jane@example.com", "--item",
            "name=Navy Suit,price=899.00")
    }

    func expectOneLine(
        _ result: KCTProcess.Result, code: Int32, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == code, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(
            result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func loginWhoamiLogoutAndEditingNeedsASignIn() throws {
        defer { kct.cleanUp() }
        expectOneLine(
            try createOrder(), code: 7,
            "nobody is signed in on this workstation: run `kct login --email you@example.com`")
        expectOneLine(try kct.run("whoami"), code: 7, "nobody is signed in")
        // Reading needs no sign-in.
        for command in [
            ["orders", "list"], ["queue"], ["stats"], ["outbox"], ["conflicts", "list"], ["users", "list"],
        ] {
            #expect(try kct.run(command).status == 0, "\(command)")
        }
        let added = try kct.run(
            [
                "users", "add", "--email", "Boss@KCT.example", "--name", "The Boss", "--role", "admin",
                "--password-stdin",
            ],
            stdin: KCTProcess.password + "\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("boss@kct.example: The Boss, admin"))
        expectOneLine(
            try kct.run(["login", "--email", "boss@kct.example", "--password-stdin"], stdin: "wrong password\n"),
            code: 1, "wrong e-mail or password")
        let login = try kct.run(
            ["login", "--email", "boss@kct.example", "--password-stdin"], stdin: KCTProcess.password + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.hasPrefix("signed in as The Boss <boss@kct.example>, admin, until "))
        let attributes = try FileManager.default.attributesOfItem(atPath: kct.dataDir + "/session")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: kct.dataDir + "/session", encoding: .utf8)
        #expect(!login.stdout.contains(token.trimmingCharacters(in: .whitespacesAndNewlines)))

        let whoami = try kct.run("whoami", "--json").object()
        #expect(whoami["email"] as? String == "boss@kct.example")
        #expect(whoami["role"] as? String == "admin")
        #expect(whoami["name"] as? String == "The Boss")
        #expect(try createOrder().status == 0)
        let order = try kct.run("orders", "show", "S01-W1-000001", "--json").object()
        #expect(order["created_by"] as? String == "boss@kct.example")

        let logout = try kct.run("logout")
        #expect(logout.status == 0 && logout.stderr.contains("signed out boss@kct.example"))
        expectOneLine(try kct.run("whoami"), code: 7, "nobody is signed in")
        expectOneLine(try kct.run("orders", "priority", "S01-W1-000001", "rush"), code: 7, "kct login")
        let events = try database.read { db in try String.fetchAll(db, sql: "SELECT kind FROM auth_events ORDER BY seq")
        }
        #expect(events.sorted() == ["sign_in", "sign_in_failed", "sign_out"])
    }

    @Test func usersAndAForbiddenEdit() throws {
        defer { kct.cleanUp() }
        try kct.signInAdmin()
        #expect(try createOrder().status == 0)
        try kct.addAccount("ana@kct.example", role: "processor")
        let list = try kct.run("users", "list", "--json").array()
        #expect(list.map { $0["email"] as? String } == ["ana@kct.example", KCTProcess.admin])
        #expect(list.allSatisfy { $0["password_hash"] == nil })
        expectOneLine(
            try kct.run("users", "set-role", "--email", "ana@kct.example", "--role", "boss"), code: 64,
            "'boss' is not a role")

        try kct.signIn("ana@kct.example")
        let pending = try kct.run("outbox", "--json").object()["pending_count"] as? Int
        expectOneLine(
            try kct.run("orders", "priority", "S01-W1-000001", "rush"), code: 1,
            "ana@kct.example is a processor and may not change priorities (priority); only managers and admins may")
        #expect(try kct.run("outbox", "--json").object()["pending_count"] as? Int == pending)
        expectOneLine(
            try kct.run(
                ["users", "add", "--email", "cy@kct.example", "--name", "Cy", "--role", "viewer", "--password-stdin"],
                stdin: KCTProcess.password + "\n"),
            code: 1, "ana@kct.example is a processor and may not manage staff accounts; only admins may")
        #expect(try kct.run("orders", "update", "S01-W1-000001", "--notes", "fitting on Friday").status == 0)

        // Promoted by the admin, her open session gets the new role at once.
        try kct.signIn(KCTProcess.admin)
        #expect(
            try kct.run("users", "set-role", "--email", "ana@kct.example", "--role", "manager").stdout.contains(
                "ana@kct.example: ana@kct.example, manager"))
        // Disabled: she can no longer sign in.
        #expect(try kct.run("users", "disable", "--email", "ana@kct.example").status == 0)
        expectOneLine(
            try kct.run(
                ["login", "--email", "ana@kct.example", "--password-stdin"], stdin: KCTProcess.password + "\n"),
            code: 1, "the account ana@kct.example is disabled")
        #expect(try kct.run("users", "enable", "--email", "ana@kct.example").status == 0)
        try kct.signIn("ana@kct.example")
        #expect(try kct.run("orders", "priority", "S01-W1-000001", "rush").status == 0)
    }

    @Test func aDisabledAccountsSessionEnds() throws {
        defer { kct.cleanUp() }
        try kct.signInAdmin()
        try kct.addAccount("ana@kct.example", role: "processor")
        try kct.signIn("ana@kct.example")
        // Disabled by an admin on another terminal: here, straight in the replica.
        try database.write { db in
            try db.execute(sql: "UPDATE accounts SET disabled = 1 WHERE email = 'ana@kct.example'")
        }
        expectOneLine(try createOrder(), code: 7, "the account ana@kct.example is disabled or gone")
    }

    @Test func anExpiredSessionRefusesEdits() throws {
        defer { kct.cleanUp() }
        try kct.signInAdmin()
        try database.write { db in try db.execute(sql: "UPDATE sessions SET expires_at = '2026-01-01T00:00:00.000Z'") }
        expectOneLine(try kct.run("whoami"), code: 7, "the session of tester@kct.example has expired")
        expectOneLine(try createOrder(), code: 7, "has expired: run `kct login")
    }

    @Test func failedSignInsAreSlowedDown() throws {
        defer { kct.cleanUp() }
        try kct.signInAdmin()
        // Eight failures, the last just now: the next attempt must wait 2^5 = 32 s.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let now = formatter.string(from: Date())
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO sign_in_failures (email, consecutive, last_failed_at) VALUES (?, 8, ?)",
                arguments: [KCTProcess.admin, now])
        }
        let refused = try kct.run(
            ["login", "--email", KCTProcess.admin, "--password-stdin"], stdin: KCTProcess.password + "\n")
        expectOneLine(refused, code: 1, "too many failed sign-ins for tester@kct.example; try again in ")
        let seconds = refused.stderr.split(separator: " ").dropLast().last.flatMap { Int($0) }
        #expect(seconds.map { (1...32).contains($0) } == true, "\(refused.stderr)")
    }

    @Test func aJoinedWorkstationsAccountsComeFromCentral() throws {
        defer { kct.cleanUp() }
        // Nothing listens on port 9: join says it could not fetch the accounts yet.
        let joined = try kct.run("join", "http://127.0.0.1:9", "--token", "kct_test")
        #expect(joined.status == 0)
        #expect(joined.stderr.contains("could not fetch the staff accounts from central yet"))
        expectOneLine(
            try kct.run(
                [
                    "users", "add", "--email", "boss@kct.example", "--name", "Boss", "--role", "admin",
                    "--password-stdin",
                ],
                stdin: KCTProcess.password + "\n"),
            code: 1, "this workstation's accounts come from central: use `kct central add-user` there")
    }
}
