import Foundation
import GRDB
import OrderDomain
import StaffAuth
import SyncCore

/// Sign-in against the replica's copy of the accounts (so it works offline), sessions, and the
/// sign-in audit events the daemon uploads to central.
///
/// Failed sign-ins are counted per e-mail (a success resets the count). After
/// `freeFailures` consecutive failures, every attempt must wait 2^(n-3) s since the last
/// failure (n failures so far), at most `maximumWait`; attempts during the wait are refused at
/// once, without checking the password (so guessing costs time, not just CPU).
extension OrderStore {
    package static let freeFailures = 3
    package static let maximumWaitSeconds = 300

    /// The wait after `failures` consecutive failures, in seconds (0 while still free).
    package static func signInWaitSeconds(failures: Int) -> Int {
        guard failures >= freeFailures else { return 0 }
        let exponent = failures - freeFailures
        return exponent >= 9 ? maximumWaitSeconds : min(1 << exponent, maximumWaitSeconds)
    }

    /// Signs `email` in with `password`; `now` (milliseconds since 1970) defaults to the store's
    /// clock. Records a `sign_in` or `sign_in_failed` event either way.
    package func signIn(email given: String, password: String, kind: SessionKind, now: UInt64? = nil) throws(StoreError)
        -> SignedInSession
    {
        let nowMillis = now ?? wallClockMillis()
        let nowText = Timestamp.format(millis: nowMillis)
        let email = (try? StaffEmail.normalized(given)) ?? given.trimmingCharacters(in: .whitespaces).lowercased()
        // One write transaction checks the wait and counts this attempt as a failure in advance,
        // so attempts made in parallel (the local API checks passwords on a thread pool) each see
        // the ones before them; a success clears the count below.
        let account = try write { db throws -> Row? in
            if let failures = try Row.fetchOne(
                db, sql: "SELECT consecutive, last_failed_at FROM sign_in_failures WHERE email = ?", arguments: [email])
            {
                let count: Int = failures["consecutive"]
                let last = Timestamp.parseMillis(failures["last_failed_at"]) ?? 0
                let waitUntil = last + UInt64(Self.signInWaitSeconds(failures: count)) * 1000
                if nowMillis < waitUntil {
                    throw StoreError.signInThrottled(
                        email: email, retryAfterSeconds: Int((waitUntil - nowMillis + 999) / 1000))
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO sign_in_failures (email, consecutive, last_failed_at) VALUES (?, 1, ?)
                    ON CONFLICT (email) DO UPDATE SET consecutive = consecutive + 1, last_failed_at =
                      excluded.last_failed_at
                    """, arguments: [email, nowText])
            return try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE email = ?", arguments: [email])
        }
        // An unknown e-mail costs the same scrypt as a known one, so timing does not tell which exist.
        let storedHash: String = account?["password_hash"] ?? Self.unknownAccountHash
        let matches: Bool
        do { matches = try PasswordHash.verify(password, against: storedHash) } catch {
            throw .signInFailed(error.description)
        }
        let disabled = (account?["disabled"] as Bool?) ?? false
        guard let account, matches, !disabled else {
            let reason = account == nil ? "no such account" : !matches ? "wrong password" : "account disabled"
            try write { db in
                try Self.recordAuthEvent(
                    db, .signInFailed, email: email, at: nowText, detail: "\(kind.rawValue): \(reason)")
            }
            // A disabled account is named only once the password matched.
            throw .signInFailed(
                account != nil && matches ? "the account \(email) is disabled" : "wrong e-mail or password")
        }
        let roleText: String = account["role"]
        guard let role = StaffRole(rawValue: roleText) else {
            throw .corruptValue(table: "accounts", column: "role", value: roleText)
        }
        let actor = StaffActor(email: email, name: account["name"], role: role)
        let token = SecretToken.generate(prefix: "kcts_")
        let expiresAt = Timestamp.format(millis: nowMillis + kind.lifetimeMillis)
        try write { db in
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE email = ?", arguments: [email])
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, email, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(SecretToken.hash(token)), email, kind.rawValue, nowText, expiresAt])
            try Self.recordAuthEvent(db, .signIn, email: email, at: nowText, detail: kind.rawValue)
        }
        return SignedInSession(token: token, actor: actor, kind: kind, expiresAt: expiresAt)
    }

    /// What `token` stands for now: the account's current name and role, or why it no longer
    /// counts. An active API session is renewed (it lasts 8 hours from its last use).
    package func lookUpSession(token: String, now: UInt64? = nil) throws(StoreError) -> SessionLookup {
        let nowMillis = now ?? wallClockMillis()
        let hash = Data(SecretToken.hash(token))
        let row = try read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT s.email, s.kind, s.expires_at, s.ended_at, a.name, a.role, a.disabled
                        FROM sessions s LEFT JOIN accounts a ON a.email = s.email WHERE s.token_hash = ?
                        """), arguments: [hash])
        }
        guard let row else { return .unknown }
        let email: String = row["email"]
        if (row["ended_at"] as String?) != nil { return .ended(email: email) }
        guard let expires = Timestamp.parseMillis(row["expires_at"]), nowMillis < expires else {
            return .expired(email: email)
        }
        guard let roleText = row["role"] as String?, let role = StaffRole(rawValue: roleText), row["disabled"] == false
        else {
            return .accountUnavailable(email: email)
        }
        var expiresAt: String = row["expires_at"]
        if row["kind"] == SessionKind.api.rawValue {
            let renewed = nowMillis + SessionKind.api.lifetimeMillis
            // Renewed at most once a minute, so a busy screen does not write on every request.
            if renewed > expires + 60_000 {
                expiresAt = Timestamp.format(millis: renewed)
                try write { db in
                    try db.execute(
                        sql: "UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                        arguments: [expiresAt, hash])
                }
            }
        }
        return .active(StaffActor(email: email, name: row["name"], role: role), expiresAt: expiresAt)
    }

    /// The signed-in person behind `token`, or nil when it is unknown, expired, ended, or its
    /// account is disabled or gone.
    package func session(token: String, now: UInt64? = nil) throws(StoreError) -> StaffActor? {
        try lookUpSession(token: token, now: now).actor
    }

    /// Ends the session; returns who was signed in (nil when it was not active).
    @discardableResult
    package func signOut(token: String, now: UInt64? = nil) throws(StoreError) -> String? {
        let nowText = Timestamp.format(millis: now ?? wallClockMillis())
        let hash = Data(SecretToken.hash(token))
        return try write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT email, kind FROM sessions WHERE token_hash = ? AND ended_at IS NULL",
                    arguments: [hash])
            else { return nil }
            let email: String = row["email"], kind: String = row["kind"]
            try db.execute(sql: "UPDATE sessions SET ended_at = ? WHERE token_hash = ?", arguments: [nowText, hash])
            try Self.recordAuthEvent(db, .signOut, email: email, at: nowText, detail: kind)
            return email
        }
    }

    // MARK: Audit events

    /// Sign-in events not yet uploaded to central, oldest first.
    package func pendingAuthEvents(limit: Int = AuditUploadRequest.maximumEvents) throws(StoreError) -> [AuthEvent] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM auth_events WHERE uploaded = 0 ORDER BY seq LIMIT ?", arguments: [limit]
            ).compactMap { row in
                AuthEventKind(rawValue: row["kind"]).map {
                    AuthEvent(id: row["id"], kind: $0, email: row["email"], at: row["at"], detail: row["detail"])
                }
            }
        }
    }

    package func markAuthEventsUploaded(_ ids: [String]) throws(StoreError) {
        try write { db in
            for id in ids { try db.execute(sql: "UPDATE auth_events SET uploaded = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    static func recordAuthEvent(_ db: Database, _ kind: AuthEventKind, email: String, at: String, detail: String) throws
    {
        try db.execute(
            sql: "INSERT INTO auth_events (id, kind, email, at, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                UUID().uuidString.lowercased(), kind.rawValue, String(email.prefix(255)), at,
                String(detail.prefix(500)),
            ])
    }

    /// A valid hash of a random password nobody knows, verified against for unknown e-mails.
    static let unknownAccountHash: String = {
        (try? PasswordHash.make(SecretToken.generate(prefix: "unknown-")))
            ?? "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    }()
}
