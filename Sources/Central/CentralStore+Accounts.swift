import Foundation
import OrderDomain
import StaffAuth
import StorageSupport
import SyncCore

extension CentralStore {
    /// Longest e-mail and name accepted (the audit trail and `Change.author` carry the e-mail).
    package static let maximumNameLength = 200

    /// The account identity of `text` (`StaffAccount.normalizedEmail`), or why it is not one.
    package static func normalizedEmail(_ text: String) throws(CentralError) -> String {
        guard let email = StaffAccount.normalizedEmail(text) else {
            throw .invalidAccount(
                "'\(text)' is not an e-mail address (name@domain.tld, at most \(StaffAccount.maximumEmailBytes) bytes)")
        }
        return email
    }

    static func checkedName(_ text: String) throws(CentralError) -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= maximumNameLength,
            !name.unicodeScalars.contains(where: CharacterSet.controlCharacters.contains)
        else {
            throw .invalidAccount("a name needs 1 to \(maximumNameLength) characters and no control characters")
        }
        return name
    }

    static func passwordHash(_ password: String) throws(CentralError) -> String {
        do {
            return try PasswordHash.make(password)
        } catch {
            throw .invalidAccount("\(error)")
        }
    }

    /// Creates an account. `operatorName` (who ran the command) goes to the audit trail.
    @discardableResult
    package func addAccount(email: String, name: String, role: StaffRole, password: String, by operatorName: String)
        throws(CentralError) -> AccountRecord
    {
        // Hashed before the write transaction: scrypt takes a tenth of a second.
        try addAccount(
            email: email, name: name, role: role, passwordHash: try Self.passwordHash(password), by: operatorName)
    }

    /// Creates an account from a password hash made by `StaffAuth.PasswordHash.make` (tests use
    /// a cheaper cost than the default).
    @discardableResult
    package func addAccount(
        email: String, name: String, role: StaffRole, passwordHash hash: String, by operatorName: String
    ) throws(CentralError) -> AccountRecord {
        let email = try Self.normalizedEmail(email)
        let name = try Self.checkedName(name)
        guard hash.hasPrefix("scrypt$") else {
            throw .invalidAccount("a password hash is scrypt$…, as StaffAuth.PasswordHash makes it")
        }
        return try accountWrite(email: email, kind: .accountCreated) { conn, existing, now, version in
            if existing != nil { throw CentralError.duplicateAccount(email: email) }
            try conn.execute(
                """
                INSERT INTO accounts (email, name, role, password_hash, disabled, version, created_at, updated_at)
                VALUES (?, ?, ?, ?, 0, ?, ?, ?)
                """,
                email, name, role.rawValue, hash, version, now, now)
            return "\(role.rawValue), name \(name) (by \(operatorName))"
        }
    }

    /// Changes an account's role; the audit trail records from → to.
    @discardableResult
    package func setRole(of email: String, to role: StaffRole, by operatorName: String) throws(CentralError)
        -> AccountRecord
    {
        let email = try Self.normalizedEmail(email)
        return try accountWrite(email: email, kind: .roleChanged) { conn, existing, now, version in
            guard let existing else { throw CentralError.unknownAccount(email: email) }
            guard existing.role != role else { return nil }
            try conn.execute(
                "UPDATE accounts SET role = ?, version = ?, updated_at = ? WHERE email = ?",
                role.rawValue, version, now, email)
            return "\(existing.role.rawValue) → \(role.rawValue) (by \(operatorName))"
        }
    }

    /// Disables (or enables again) an account: its sign-ins and its pushed changes are refused.
    @discardableResult
    package func setDisabled(_ email: String, _ disabled: Bool, by operatorName: String) throws(CentralError)
        -> AccountRecord
    {
        let email = try Self.normalizedEmail(email)
        return try accountWrite(email: email, kind: disabled ? .accountDisabled : .accountEnabled) {
            conn, existing, now, version in
            guard let existing else { throw CentralError.unknownAccount(email: email) }
            guard existing.disabled != disabled else { return nil }
            try conn.execute(
                "UPDATE accounts SET disabled = ?, version = ?, updated_at = ? WHERE email = ?",
                disabled, version, now, email)
            return "by \(operatorName)"
        }
    }

    /// Replaces an account's password hash.
    @discardableResult
    package func setPassword(of email: String, to password: String, by operatorName: String) throws(CentralError)
        -> AccountRecord
    {
        let email = try Self.normalizedEmail(email)
        let hash = try Self.passwordHash(password)
        return try accountWrite(email: email, kind: .passwordSet) { conn, existing, now, version in
            guard existing != nil else { throw CentralError.unknownAccount(email: email) }
            try conn.execute(
                "UPDATE accounts SET password_hash = ?, version = ?, updated_at = ? WHERE email = ?",
                hash, version, now, email)
            return "by \(operatorName)"
        }
    }

    /// One account change in an immediate transaction with its audit entry. `body` gets the
    /// account as it was, the time and the next account version, and returns the audit detail,
    /// or nil when there is nothing to change (nothing is written then).
    private func accountWrite(
        email: String, kind: AuditKind,
        _ body: (any SQLConnection, AccountRecord?, String, Int64) throws -> String?
    ) throws(CentralError) -> AccountRecord {
        let now = Timestamp.format(millis: wallClockMillis())
        do {
            return try database.write { conn in
                let existing = try Self.fetchAccounts(conn, sql: "WHERE email = ?", [.text(email)]).first
                let version = try Self.accountVersion(conn) + 1
                if let detail = try body(conn, existing, now, version) {
                    try Self.appendAudit(conn, AuditEntry(receivedAt: now, kind: kind, person: email, detail: detail))
                }
                guard let record = try Self.fetchAccounts(conn, sql: "WHERE email = ?", [.text(email)]).first else {
                    throw CentralError.unknownAccount(email: email)
                }
                return record
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Every account, by e-mail (no password hashes).
    package func accounts() throws(CentralError) -> [AccountRecord] {
        do {
            return try database.read { conn in try Self.fetchAccounts(conn, sql: "ORDER BY email") }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// `GET /v1/accounts`: every account with its password hash. When `known` is the current
    /// account version the node's copy is up to date and the list is empty.
    package func accountsResponse(known: Int64?) throws(ErrorResponse) -> AccountsResponse {
        do {
            return try database.read { conn in
                let version = try Self.accountVersion(conn)
                if let known, known == version { return AccountsResponse(accounts: [], version: version) }
                let table = "accounts"
                let accounts = try conn.fetchAll(
                    "SELECT email, name, role, password_hash, disabled, version FROM accounts ORDER BY email"
                ).map { row in
                    StaffAccount(
                        email: try row.read("email", table: table), name: try row.read("name", table: table),
                        role: try row.read("role", table: table, as: StaffRole.self),
                        passwordHash: try row.read("password_hash", table: table),
                        disabled: try row.read("disabled", table: table), version: try row.read("version", table: table)
                    )
                }
                return AccountsResponse(accounts: accounts, version: version)
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// `GET /v1/accounts` for a bearer token.
    package func accountsResponse(token: String?, known: Int64?) throws(ErrorResponse) -> AccountsResponse {
        _ = try authenticate(token: token)
        return try accountsResponse(known: known)
    }

    static func accountVersion(_ conn: any SQLConnection) throws -> Int64 {
        try conn.fetchValue("SELECT coalesce(max(version), 0) FROM accounts") ?? 0
    }

    static func fetchAccounts(_ conn: any SQLConnection, sql: String, _ arguments: [SQLValue] = []) throws
        -> [AccountRecord]
    {
        try conn.fetchAll(
            "SELECT email, name, role, disabled, version, created_at, updated_at FROM accounts " + sql, arguments
        ).map { row in try AccountRecord(row: row) }
    }
}
