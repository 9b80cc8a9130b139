import Foundation
import SyncCore

/// The signed-in member of staff an edit is made by: their account e-mail (the `author` of the
/// changes and the `*_by` fields), name and role as this replica knows them when the session was
/// looked up. Made by `OrderStore.session(token:)` / `signIn`; `package` so the benchmarks and
/// tests of this package can act as someone without a password.
public struct StaffActor: Hashable, Sendable {
    public let email: String
    public let name: String
    public let role: StaffRole

    package init(email: String, name: String, role: StaffRole) {
        self.email = email
        self.name = name
        self.role = role
    }
}

/// Where a session was opened: `kct login` (12 hours) or the local API (8 hours, renewed on
/// every request).
public enum SessionKind: String, Sendable, CaseIterable {
    case cli
    case api

    /// How long a session lasts (for `api`, since its last use).
    public var lifetimeMillis: UInt64 {
        switch self {
        case .cli: 12 * 3_600_000
        case .api: 8 * 3_600_000
        }
    }
}

/// A session just opened: the token is shown once (the replica keeps only its SHA-256).
public struct SignedInSession: Sendable {
    public let token: String
    public let actor: StaffActor
    public let kind: SessionKind
    /// Stored timestamp (`2026-11-25T14:15:00.123Z`).
    public let expiresAt: String
}

/// What a presented session token stands for now.
public enum SessionLookup: Sendable, Equatable {
    case active(StaffActor, expiresAt: String)
    case expired(email: String)
    case ended(email: String)
    /// The account was disabled or removed since the sign-in.
    case accountUnavailable(email: String)
    case unknown

    public var actor: StaffActor? {
        if case .active(let actor, _) = self { return actor }
        return nil
    }
}

/// A staff account as listed (the password hash is never shown).
public struct AccountRecord: Hashable, Sendable {
    public let email: String
    public let name: String
    public let role: StaffRole
    public let disabled: Bool
    public let version: Int64
    public let updatedAt: String
}

/// Where this replica's accounts come from.
public enum AccountSource: String, Sendable {
    /// Managed here with `kct users` (a standalone replica).
    case local
    /// Replicated from central (`GET /v1/accounts`); managed there.
    case central
}

/// How an e-mail is written as an account's identity: trimmed, lower-cased.
public enum StaffEmail {
    public static func normalized(_ text: String) throws(StoreError) -> String {
        guard let email = StaffAccount.normalizedEmail(text) else { throw .accounts("'\(text)' is not an e-mail address") }
        return email
    }
}
