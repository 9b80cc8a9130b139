import Foundation
import GRDB
import OrderDomain
import StaffAuth
import StorageSupport
import SyncCore

/// Staff accounts on the replica. A standalone replica manages its own (`kct users`): the first
/// account of an empty replica needs no sign-in and must be an admin; afterwards account
/// management needs a signed-in admin. A replica joined to central takes its accounts from
/// central (`replaceAccounts`, fed by the daemon from `GET /v1/accounts`) and refuses local
/// management.
extension OrderStore {
    package static let joinedAccountsMessage =
        "this workstation's accounts come from central: use `kct central add-user` there"

    /// Where the accounts come from, and the version of central's list last fetched.
    package func accountsOrigin() throws(StoreError) -> (source: AccountSource, version: Int64) {
        try read { db in try Self.accountsOrigin(db) }
    }

    static func accountsOrigin(_ db: Database) throws -> (source: AccountSource, version: Int64) {
        let row = try Row.fetchOne(db, sql: "SELECT accounts_source, accounts_version, central_url FROM sync_state")
        let joined = (row?["central_url"] as String?) != nil
        let source = AccountSource(rawValue: row?["accounts_source"] ?? "local") ?? .local
        return (joined ? .central : source, row?["accounts_version"] ?? 0)
    }

    package func accounts() throws(StoreError) -> [AccountRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY email").map(Self.accountRecord) }
    }

    package func account(_ email: String) throws(StoreError) -> AccountRecord? {
        let email = try StaffEmail.normalized(email)
        return try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE email = ?", arguments: [email]).map(
                Self.accountRecord)
        }
    }

    /// Adds an account to a standalone replica. `actor` nil is allowed only for the first
    /// account, which must be an admin.
    @discardableResult
    package func addAccount(email: String, name: String, role: StaffRole, password: String, by actor: StaffActor?)
        throws(StoreError) -> AccountRecord
    {
        let email = try StaffEmail.normalized(email)
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 255 else { throw .accounts("--name needs 1 to 255 characters") }
        let hash: String
        do { hash = try PasswordHash.make(password) } catch { throw .accounts(error.description) }
        let now = Timestamp.format(millis: wallClockMillis())
        return try manageAccounts(by: actor, allowFirst: role == .admin) { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE email = ?", arguments: [email]) != nil {
                throw StoreError.accounts("an account \(email) already exists")
            }
            let version = try Self.nextLocalVersion(db)
            try db.execute(
                sql:
                    """
                    INSERT INTO accounts (email, name, role, password_hash, disabled, version, updated_at) VALUES
                    (?, ?, ?, ?, 0, ?, ?)
                    """,
                arguments: [email, name, role.rawValue, hash, version, now])
            return try Self.accountRecord(
                try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE email = ?", arguments: [email])!)
        }
    }

    @discardableResult
    package func setRole(of email: String, to role: StaffRole, by actor: StaffActor) throws(StoreError) -> AccountRecord
    {
        let email = try StaffEmail.normalized(email)
        return try changeAccount(email, by: actor) { db in
            if email == actor.email, role != .admin, try Self.activeAdmins(db) == [email] {
                throw StoreError.accounts("\(email) is the last admin; make someone else an admin first")
            }
            try db.execute(sql: "UPDATE accounts SET role = ? WHERE email = ?", arguments: [role.rawValue, email])
        }
    }

    /// Disables (or enables again) an account; a disabled account's sessions end at once.
    @discardableResult
    package func setDisabled(_ email: String, _ disabled: Bool, by actor: StaffActor) throws(StoreError)
        -> AccountRecord
    {
        let email = try StaffEmail.normalized(email)
        let now = Timestamp.format(millis: wallClockMillis())
        return try changeAccount(email, by: actor) { db in
            if disabled, try Self.activeAdmins(db) == [email] {
                throw StoreError.accounts("\(email) is the last admin; make someone else an admin first")
            }
            try db.execute(sql: "UPDATE accounts SET disabled = ? WHERE email = ?", arguments: [disabled, email])
            if disabled {
                try db.execute(
                    sql: "UPDATE sessions SET ended_at = ? WHERE email = ? AND ended_at IS NULL",
                    arguments: [now, email])
            }
        }
    }

    /// Takes central's list (`GET /v1/accounts`) as this replica's accounts: accounts missing
    /// from it are removed, and sessions of removed or disabled accounts end. An "unchanged"
    /// answer (no accounts, the version already held) changes nothing. Returns whether anything
    /// was replaced.
    @discardableResult
    package func replaceAccounts(_ response: AccountsResponse) throws(StoreError) -> Bool {
        let now = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            let origin = try Row.fetchOne(db, sql: "SELECT accounts_source, accounts_version FROM sync_state")
            if response.accounts.isEmpty, origin?["accounts_source"] == "central",
                origin?["accounts_version"] == response.version
            {
                return false
            }
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS central_accounts (email TEXT PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM central_accounts")
            for account in response.accounts {
                let email = account.email.lowercased()
                try db.execute(sql: "INSERT OR IGNORE INTO central_accounts (email) VALUES (?)", arguments: [email])
                try db.execute(
                    sql: """
                        INSERT INTO accounts (email, name, role, password_hash, disabled, version, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role,
                          password_hash = excluded.password_hash, disabled = excluded.disabled,
                          version = excluded.version, updated_at = excluded.updated_at
                        WHERE accounts.version IS NOT excluded.version OR accounts.disabled IS NOT excluded.disabled
                        """,
                    arguments: [
                        email, account.name, account.role.rawValue, account.passwordHash, account.disabled,
                        account.version, now,
                    ])
            }
            try db.execute(sql: "DELETE FROM accounts WHERE email NOT IN (SELECT email FROM central_accounts)")
            try db.execute(
                sql: """
                    UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL
                      AND email NOT IN (SELECT email FROM accounts WHERE disabled = 0)
                    """, arguments: [now])
            try db.execute(sql: "DROP TABLE central_accounts")
            try db.execute(
                sql: "UPDATE sync_state SET accounts_source = 'central', accounts_version = ?",
                arguments: [response.version])
            return true
        }
    }

    // MARK: Helpers

    /// Runs `body` when `actor` may manage accounts on this standalone replica (or, with
    /// `actor` nil, when the replica has no account yet and `allowFirst`).
    private func manageAccounts<T>(by actor: StaffActor?, allowFirst: Bool, _ body: (Database) throws -> T)
        throws(StoreError) -> T
    {
        try write { db in
            guard try Self.accountsOrigin(db).source == .local else {
                throw StoreError.accounts(Self.joinedAccountsMessage)
            }
            if let actor {
                // The role as the replica knows it now, not as it was at sign-in.
                let current = try Row.fetchOne(
                    db, sql: "SELECT role, disabled FROM accounts WHERE email = ?", arguments: [actor.email])
                let role = (current?["disabled"] as Bool? == false ? current?["role"] : nil).flatMap(
                    StaffRole.init(rawValue:))
                guard let role else { throw StoreError.accounts("\(actor.email) is no longer an active account here") }
                do throws(Rejection) {
                    try PermissionMatrix.require(.manageAccounts, role: role, person: actor.email)
                } catch {
                    throw StoreError.forbidden(error)
                }
            } else {
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0
                guard count == 0 else {
                    throw StoreError.accounts(
                        "accounts exist on this workstation: sign in as an admin first (kct login --email …)")
                }
                guard allowFirst else {
                    throw StoreError.accounts("the first account of a workstation must be an admin (--role admin)")
                }
            }
            return try body(db)
        }
    }

    private func changeAccount(_ email: String, by actor: StaffActor, _ body: (Database) throws -> Void)
        throws(StoreError) -> AccountRecord
    {
        let now = Timestamp.format(millis: wallClockMillis())
        return try manageAccounts(by: actor, allowFirst: false) { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE email = ?", arguments: [email]) != nil else {
                throw StoreError.accounts("no account \(email) (see `kct users list`)")
            }
            try body(db)
            try db.execute(
                sql: "UPDATE accounts SET version = ?, updated_at = ? WHERE email = ?",
                arguments: [try Self.nextLocalVersion(db), now, email])
            return try Self.accountRecord(
                try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE email = ?", arguments: [email])!)
        }
    }

    private static func nextLocalVersion(_ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT max(version) FROM accounts") ?? 0) + 1
    }

    private static func activeAdmins(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT email FROM accounts WHERE role = 'admin' AND disabled = 0 ORDER BY email")
    }

    static func accountRecord(_ row: Row) throws -> AccountRecord { try AccountRecord(row: row) }
}

extension OrderStore {
    /// The version of central's account list this replica holds, for `GET /v1/accounts?known=`;
    /// nil until it has taken central's list once (so the first fetch gets the whole list).
    package func centralAccountsVersion() throws(StoreError) -> Int64? {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT accounts_source, accounts_version FROM sync_state")
            return row?["accounts_source"] == AccountSource.central.rawValue ? row?["accounts_version"] : nil
        }
    }
}
