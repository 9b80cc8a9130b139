import Foundation
import SyncCore

/// The signed-in member of staff an edit is made by: their account e-mail (the `author` of the
/// changes and the `*_by` fields), name and role as this replica knows them when the session was
/// looked up. Made by `OrderStore.session(token:)` / `signIn`; `package` so the benchmarks and
/// tests of this package can act as someone without a password.
package struct StaffActor: Hashable, Sendable {
    package let email: String
    package let name: String
    package let role: StaffRole

    package init(email: String, name: String, role: StaffRole) {
        self.email = email
        self.name = name
        self.role = role
    }
}

/// Where a session was opened: `kct login` (12 hours) or the local API (8 hours, renewed on
/// every request).
package enum SessionKind: String, Sendable, CaseIterable {
    case cli
    case api

    /// How long a session lasts (for `api`, since its last use).
    package var lifetimeMillis: UInt64 {
        switch self {
        case .cli: 12 * 3_600_000
        case .api: 8 * 3_600_000
        }
    }
}

/// A session just opened: the token is shown once (the replica keeps only its SHA-256).
package struct SignedInSession: Sendable {
    package let token: String
    package let actor: StaffActor
    package let kind: SessionKind
    /// Stored timestamp (`2026-11-25T14:15:00.123Z`).
    package let expiresAt: String
}

/// What a presented session token stands for now.
package enum SessionLookup: Sendable, Equatable {
    case active(StaffActor, expiresAt: String)
    case expired(email: String)
    case ended(email: String)
    /// The account was disabled or removed since the sign-in.
    case accountUnavailable(email: String)
    case unknown

    package var actor: StaffActor? {
        if case .active(let actor, _) = self { return actor }
        return nil
    }
}

/// Where this replica's accounts come from.
package enum AccountSource: String, Sendable {
    /// Managed here with `kct users` (a standalone replica).
    case local
    /// Replicated from central (`GET /v1/accounts`); managed there.
    case central
}

/// How an e-mail is written as an account's identity: trimmed, lower-cased.
package enum StaffEmail {
    package static func normalized(_ text: String) throws(StoreError) -> String {
        guard let email = StaffAccount.normalizedEmail(text) else {
            throw .accounts("'\(text)' is not an e-mail address")
        }
        return email
    }
}
