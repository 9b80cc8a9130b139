import Foundation
import SyncCore
import Synchronization
import Testing

@testable import Store

/// Accounts, sign-in, sessions and sign-in events on the replica, with a hand-moved clock.
/// Every account and sign-in costs a scrypt (~0.1 s), so each test makes few.
@Suite struct StaffSignInTests {
    static let password = "correct horse battery"

    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let store: OrderStore

    init() throws {
        store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
    }

    func refusal(_ body: () throws -> Void) -> String? { storeError(body)?.description }

    @Test func theFirstAccountIsAnAdminAndNeedsNoSignInThenAnAdminMustBeSignedIn() throws {
        #expect(
            refusal {
                try store.addAccount(
                    email: "ana@kct.example", name: "Ana", role: .processor, password: Self.password, by: nil)
            }
                == "the first account of a workstation must be an admin (--role admin)")
        let admin = try store.addAccount(
            email: " Boss@KCT.example ", name: "Boss", role: .admin, password: Self.password, by: nil)
        #expect(admin.email == "boss@kct.example")
        #expect(
            refusal {
                try store.addAccount(
                    email: "ana@kct.example", name: "Ana", role: .processor, password: Self.password, by: nil)
            }?
            .hasPrefix("accounts exist on this workstation") == true)
        let boss = StaffActor.test("boss@kct.example")
        try store.addAccount(email: "ana@kct.example", name: "Ana", role: .processor, password: Self.password, by: boss)
        #expect(
            refusal {
                try store.addAccount(
                    email: "ana@kct.example", name: "Ana", role: .viewer, password: Self.password, by: boss)
            }
                == "an account ana@kct.example already exists")
        // A processor may not manage accounts; the role is read from the replica, not trusted.
        let ana = StaffActor.test("ana@kct.example", role: .admin)
        #expect(
            refusal { try store.setRole(of: "boss@kct.example", to: .viewer, by: ana) }
                == "ana@kct.example is a processor and may not manage staff accounts; only admins may")
        try store.setRole(of: "ana@kct.example", to: .manager, by: boss)
        #expect(try store.account("ana@kct.example")?.role == .manager)
        #expect(refusal { try store.setDisabled("boss@kct.example", true, by: boss) }?.contains("last admin") == true)
        #expect(
            refusal {
                try store.addAccount(email: "cy@kct.example", name: "Cy", role: .viewer, password: "short", by: boss)
            }
                == "a password needs at least 8 characters")
        #expect(try store.accounts().map(\.email) == ["ana@kct.example", "boss@kct.example"])
    }

    @Test func aJoinedReplicaTakesItsAccountsFromCentral() throws {
        try store.addAccount(email: "boss@kct.example", name: "Boss", role: .admin, password: Self.password, by: nil)
        try store.setSyncSettings(SyncSettings(centralURL: "http://127.0.0.1:9", token: "kct_x"))
        #expect(
            refusal {
                try store.addAccount(
                    email: "ana@kct.example", name: "Ana", role: .viewer, password: Self.password,
                    by: StaffActor.test("boss@kct.example"))
            }
                == OrderStore.joinedAccountsMessage)
        #expect(try store.centralAccountsVersion() == nil)
        let hash = try #require(
            try store.read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM accounts") })
        let bossSession = try store.signIn(email: "boss@kct.example", password: Self.password, kind: .cli)

        // Central's list: boss is gone, ana is a processor.
        let ana = StaffAccount(
            email: "ana@kct.example", name: "Ana", role: .processor, passwordHash: hash, disabled: false, version: 4)
        #expect(try store.replaceAccounts(AccountsResponse(accounts: [ana], version: 4)))
        #expect(try store.accounts().map(\.email) == ["ana@kct.example"])
        #expect(try store.session(token: bossSession.token) == nil)
        #expect(try store.centralAccountsVersion() == 4)
        // "Unchanged" (no accounts, the version held) keeps everything.
        #expect(try !store.replaceAccounts(AccountsResponse(accounts: [], version: 4)))
        #expect(try store.accounts().count == 1)

        // A role change at central takes effect on the next lookup of an open session.
        let session = try store.signIn(email: "ana@kct.example", password: Self.password, kind: .cli)
        #expect(try store.session(token: session.token)?.role == .processor)
        var promoted = ana
        promoted.role = .manager
        promoted.version = 5
        try store.replaceAccounts(AccountsResponse(accounts: [promoted], version: 5))
        #expect(try store.session(token: session.token)?.role == .manager)
        // Disabled at central: the session ends.
        promoted.disabled = true
        promoted.version = 6
        try store.replaceAccounts(AccountsResponse(accounts: [promoted], version: 6))
        #expect(try store.lookUpSession(token: session.token) == .ended(email: "ana@kct.example"))
    }

    @Test func signInSessionsExpireAndSignOutEnds() throws {
        try store.addAccount(email: "boss@kct.example", name: "Boss", role: .admin, password: Self.password, by: nil)
        let cli = try store.signIn(email: "BOSS@kct.example", password: Self.password, kind: .cli)
        #expect(cli.actor == StaffActor(email: "boss@kct.example", name: "Boss", role: .admin))
        #expect(try store.session(token: cli.token) == cli.actor)
        #expect(try store.session(token: cli.token + "x") == nil)
        clock.advance(seconds: 12 * 3600 - 1)
        #expect(try store.session(token: cli.token) != nil)
        clock.advance(seconds: 1)
        #expect(try store.lookUpSession(token: cli.token) == .expired(email: "boss@kct.example"))

        // API sessions last 8 hours from their last use.
        let api = try store.signIn(email: "boss@kct.example", password: Self.password, kind: .api)
        clock.advance(seconds: 7 * 3600)
        #expect(try store.session(token: api.token) != nil)
        clock.advance(seconds: 7 * 3600)
        #expect(try store.session(token: api.token) != nil)
        clock.advance(seconds: 8 * 3600 + 1)
        #expect(try store.session(token: api.token) == nil)

        let again = try store.signIn(email: "boss@kct.example", password: Self.password, kind: .cli)
        #expect(try store.signOut(token: again.token) == "boss@kct.example")
        #expect(try store.lookUpSession(token: again.token) == .ended(email: "boss@kct.example"))
        #expect(try store.signOut(token: again.token) == nil)

        let events = try store.pendingAuthEvents()
        #expect(events.map(\.kind) == [.signIn, .signIn, .signIn, .signOut])
        #expect(events.map(\.detail) == ["cli", "api", "cli", "cli"])
        try store.markAuthEventsUploaded(Array(events.prefix(3).map(\.id)))
        #expect(try store.pendingAuthEvents().map(\.kind) == [.signOut])
    }

    @Test func failedSignInsAreCountedAndSlowedDown() throws {
        try store.addAccount(email: "boss@kct.example", name: "Boss", role: .admin, password: Self.password, by: nil)
        let start = clock.now
        func attempt(_ password: String, atSecond second: Double) -> String? {
            refusal {
                _ = try store.signIn(
                    email: "boss@kct.example", password: password, kind: .cli, now: start + UInt64(second * 1000))
            }
        }
        // Three failures are free.
        for second in [0.0, 0.1, 0.2] {
            #expect(attempt("wrong password", atSecond: second) == "wrong e-mail or password")
        }
        // Then 1 s after the third: even the right password is refused at once, unchecked.
        #expect(
            attempt(Self.password, atSecond: 0.7) == "too many failed sign-ins for boss@kct.example; try again in 1 s")
        #expect(attempt("wrong password", atSecond: 1.2) == "wrong e-mail or password")
        // The fourth failure makes it 2 s.
        #expect(
            attempt(Self.password, atSecond: 2.0) == "too many failed sign-ins for boss@kct.example; try again in 2 s")
        #expect(attempt(Self.password, atSecond: 3.2) == nil)
        // A success resets the count.
        #expect(attempt("wrong password", atSecond: 3.3) == "wrong e-mail or password")
        #expect(attempt(Self.password, atSecond: 3.4) == nil)
        #expect(OrderStore.signInWaitSeconds(failures: 2) == 0)
        #expect(OrderStore.signInWaitSeconds(failures: 11) == 256)
        #expect(OrderStore.signInWaitSeconds(failures: 12) == 300)
        #expect(OrderStore.signInWaitSeconds(failures: 1000) == 300)
        // Unknown e-mails are counted too, and say the same as a wrong password.
        #expect(
            refusal { _ = try store.signIn(email: "nobody@kct.example", password: Self.password, kind: .api) }
                == "wrong e-mail or password")
        let failures = try store.pendingAuthEvents().filter { $0.kind == .signInFailed }
        #expect(failures.count == 6)
        #expect(failures.last?.detail == "api: no such account")
    }

    /// Attempts made at the same moment (the local API checks passwords on a thread pool) are
    /// counted before any password is checked, so only the free three get a guess.
    @Test func parallelSignInsCannotOutrunTheCount() throws {
        try store.addAccount(email: "boss@kct.example", name: "Boss", role: .admin, password: Self.password, by: nil)
        let now = clock.now
        let store = self.store
        let outcomes = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let outcome =
                storeError {
                    _ = try store.signIn(email: "boss@kct.example", password: "wrong password", kind: .api, now: now)
                }?
                .description ?? "signed in"
            outcomes.withLock { $0.append(outcome) }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.filter { $0 == "wrong e-mail or password" }.count == 3, "\(all)")
        #expect(all.filter { $0.hasPrefix("too many failed sign-ins") }.count == 5, "\(all)")
    }

    @Test func aDisabledAccountCannotSignInAndItsSessionsEnd() throws {
        try store.addAccount(email: "boss@kct.example", name: "Boss", role: .admin, password: Self.password, by: nil)
        let boss = StaffActor.test("boss@kct.example")
        try store.addAccount(email: "ana@kct.example", name: "Ana", role: .processor, password: Self.password, by: boss)
        let session = try store.signIn(email: "ana@kct.example", password: Self.password, kind: .api)
        try store.setDisabled("ana@kct.example", true, by: boss)
        #expect(try store.session(token: session.token) == nil)
        #expect(
            refusal { _ = try store.signIn(email: "ana@kct.example", password: Self.password, kind: .cli) }
                == "the account ana@kct.example is disabled")
        // A wrong password does not reveal that the account is disabled.
        #expect(
            refusal { _ = try store.signIn(email: "ana@kct.example", password: "not her password", kind: .cli) }
                == "wrong e-mail or password")
        try store.setDisabled("ana@kct.example", false, by: boss)
        #expect(
            try store.signIn(email: "ana@kct.example", password: Self.password, kind: .cli).actor.role == .processor)
    }
}
