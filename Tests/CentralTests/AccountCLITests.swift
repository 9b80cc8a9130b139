import Foundation
import SyncCore
import Testing

/// `kct central add-user|set-role|disable|enable|set-password|list-users|audit` through the
/// built binary: exit codes, one-line errors, no secret in any output.
@Suite struct AccountCLITests {
    static func kct(_ arguments: String..., input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
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
        let added = try Self.kct("central", "add-user", "--db", db, "--email", "Ana@KCT.example", "--name", "Ana Pérez", "--role", "processor", "--password-stdin", input: password + "\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr.contains("ana@kct.example"))

        let duplicate = try Self.kct("central", "add-user", "--db", db, "--email", "ana@kct.example", "--name", "Ana", "--role", "viewer", "--password-stdin", input: password + "\n")
        #expect(duplicate.status == 4 && duplicate.stderr.contains("already exists"))
        let short = try Self.kct("central", "add-user", "--db", db, "--email", "bo@kct.example", "--name", "Bo", "--role", "viewer", "--password-stdin", input: "short\n")
        #expect(short.status == 1 && short.stderr.contains("at least 8 characters"))
        let noTerminal = try Self.kct("central", "add-user", "--db", db, "--email", "bo@kct.example", "--name", "Bo", "--role", "viewer")
        #expect(noTerminal.status == 1 && noTerminal.stderr.contains("--password-stdin"))
        let badEmail = try Self.kct("central", "add-user", "--db", db, "--email", "not-an-email", "--name", "Bo", "--role", "viewer", "--password-stdin", input: password + "\n")
        #expect(badEmail.status == 64 && badEmail.stderr.contains("not an e-mail"))
        let badRole = try Self.kct("central", "set-role", "--db", db, "--email", "ana@kct.example", "--role", "boss")
        #expect(badRole.status == 64 && badRole.stderr.contains("admin"))
        let unknown = try Self.kct("central", "set-role", "--db", db, "--email", "zed@kct.example", "--role", "manager")
        #expect(unknown.status == 2 && unknown.stderr.split(separator: "\n").count == 1)

        #expect(try Self.kct("central", "set-role", "--db", db, "--email", "ana@kct.example", "--role", "manager").status == 0)
        #expect(try Self.kct("central", "disable", "--db", db, "--email", "ANA@kct.example").status == 0)
        var listed = try Self.json(try Self.kct("central", "list-users", "--db", db, "--json").stdout)
        #expect(listed.count == 1)
        #expect(listed[0]["email"] as? String == "ana@kct.example" && listed[0]["role"] as? String == "manager")
        #expect(listed[0]["disabled"] as? Bool == true && listed[0]["name"] as? String == "Ana Pérez")
        #expect(listed[0]["password_hash"] == nil)
        #expect(try Self.kct("central", "enable", "--db", db, "--email", "ana@kct.example").status == 0)
        #expect(try Self.kct("central", "set-password", "--db", db, "--email", "ana@kct.example", "--password-stdin", input: "another long password\n").status == 0)
        listed = try Self.json(try Self.kct("central", "list-users", "--db", db, "--json").stdout)
        #expect(listed[0]["disabled"] as? Bool == false && listed[0]["version"] as? Int == 5)
        let table = try Self.kct("central", "list-users", "--db", db)
        #expect(table.stdout.contains("ana@kct.example") && table.stdout.contains("active"))
        #expect(!table.stdout.contains("scrypt"))

        let audit = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--json")
        #expect(audit.status == 0)
        let entries = try Self.json(audit.stdout)
        #expect(entries.map { $0["kind"] as? String } == ["account_created", "role_changed", "account_disabled", "account_enabled", "password_set"])
        #expect((entries[1]["detail"] as? String)?.hasPrefix("processor → manager (by ") == true)
        let latest = try Self.json(try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--limit", "2", "--json").stdout)
        #expect(latest.map { $0["kind"] as? String } == ["account_enabled", "password_set"])
        let human = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example")
        #expect(human.stdout.split(separator: "\n").count == 6 && human.stdout.hasPrefix("TIME"))
        for output in [audit.stdout, human.stdout, table.stdout, added.stderr] {
            #expect(!output.contains(password) && !output.contains("another long password") && !output.contains("scrypt$"))
        }
        let both = try Self.kct("central", "audit", "--db", db, "--user", "ana@kct.example", "--node", "W1")
        #expect(both.status == 64 && both.stderr.contains("exactly one"))
    }
}
