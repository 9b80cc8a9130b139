import Foundation

/// A staff account as central replicates it to nodes (`GET /v1/accounts`): enough to sign in
/// and be judged offline. Only the password's slow salted hash travels, never the password.
package struct StaffAccount: Hashable, Sendable, WireCodable {
    /// Lower-cased e-mail: the account's identity and the `author` of its changes.
    package var email: String
    package var name: String
    package var role: StaffRole
    /// `scrypt$…` as `StaffAuth.PasswordHash` writes it.
    package var passwordHash: String
    package var disabled: Bool
    /// Central's account version when this account last changed (role, password, disabling).
    package var version: Int64

    package init(email: String, name: String, role: StaffRole, passwordHash: String, disabled: Bool, version: Int64) {
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.version = version
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let email = try reader.nonEmptyString("email")
        let name = try reader.nonEmptyString("name")
        let role = try reader.enumeration("role", as: StaffRole.self)
        let passwordHash = try reader.nonEmptyString("password_hash")
        let disabled = try reader.bool("disabled")
        let version = try reader.integer("version", in: 1...Int64.max)
        try reader.finish()
        self.init(
            email: email, name: name, role: role, passwordHash: passwordHash, disabled: disabled, version: version)
    }

    package var wire: JSONValue {
        .object([
            "email": .string(email), "name": .string(name), "role": .string(role.rawValue),
            "password_hash": .string(passwordHash), "disabled": .bool(disabled), "version": .integer(version),
        ])
    }
}

/// `GET /v1/accounts`: every account central has (disabled ones included, so a node learns of
/// the disabling). Staff lists are small; the node replaces its copy when `version` moved.
package struct AccountsResponse: Hashable, Sendable, WireCodable {
    package var accounts: [StaffAccount]
    /// The highest account version (0 when there are no accounts).
    package var version: Int64

    package init(accounts: [StaffAccount], version: Int64) {
        self.accounts = accounts
        self.version = version
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let accounts = try reader.list("accounts", StaffAccount.init(wire:path:))
        let version = try reader.integer("version", in: 0...Int64.max)
        try reader.finish()
        self.init(accounts: accounts, version: version)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current),
            "accounts": .array(accounts.map(\.wire)), "version": .integer(version),
        ])
    }
}

/// What a node reports about sign-ins on it, for central's audit trail.
package enum AuthEventKind: String, CaseIterable, Sendable {
    case signIn = "sign_in"
    case signInFailed = "sign_in_failed"
    case signOut = "sign_out"
}

/// One sign-in event on a node. `id` makes the upload idempotent: central keeps the first copy.
package struct AuthEvent: Hashable, Sendable, WireCodable {
    /// UUID made by the node.
    package var id: String
    package var kind: AuthEventKind
    /// The e-mail given (for a failed sign-in, possibly no account's).
    package var email: String
    /// When it happened on the node: UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.
    package var at: String
    /// "cli" or "api", and for failures why ("wrong password", "account disabled").
    package var detail: String

    package init(id: String, kind: AuthEventKind, email: String, at: String, detail: String) {
        self.id = id
        self.kind = kind
        self.email = email
        self.at = at
        self.detail = detail
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let id = try reader.identifier("id")
        let kind = try reader.enumeration("kind", as: AuthEventKind.self)
        let email = try reader.string("email")
        let at = try reader.nonEmptyString("at")
        let detail = try reader.string("detail")
        try reader.finish()
        guard email.utf8.count <= 255, detail.utf8.count <= 500, at.utf8.count <= 30 else {
            throw SyncDecodingError(
                path: path,
                problem: .invalidValue("too long", expected: "email ≤ 255 bytes, detail ≤ 500, at ≤ 30"))
        }
        self.init(id: id, kind: kind, email: email, at: at, detail: detail)
    }

    package var wire: JSONValue {
        .object([
            "id": .string(id), "kind": .string(kind.rawValue), "email": .string(email),
            "at": .string(at), "detail": .string(detail),
        ])
    }
}

/// `POST /v1/audit`: a node's sign-in events since its last upload (at most
/// `maximumEvents`). Central answers with `AuditUploadResponse`.
package struct AuditUploadRequest: Hashable, Sendable, WireCodable {
    package static let maximumEvents = 1000
    package var nodeID: String
    package var events: [AuthEvent]

    package init(nodeID: String, events: [AuthEvent]) {
        self.nodeID = nodeID
        self.events = events
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let nodeID = try reader.identifier("node_id")
        let events = try reader.list("events", AuthEvent.init(wire:path:))
        try reader.finish()
        guard events.count <= Self.maximumEvents else {
            throw SyncDecodingError(
                path: "events",
                problem: .invalidValue("\(events.count) events", expected: "at most \(Self.maximumEvents)"))
        }
        self.init(nodeID: nodeID, events: events)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "node_id": .string(nodeID),
            "events": .array(events.map(\.wire)),
        ])
    }
}

/// Central's answer to `POST /v1/audit`: how many events were new (the rest were replays).
package struct AuditUploadResponse: Hashable, Sendable, WireCodable {
    package var recorded: Int64
    package var duplicates: Int64

    package init(recorded: Int64, duplicates: Int64) {
        self.recorded = recorded
        self.duplicates = duplicates
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let recorded = try reader.integer("recorded", in: 0...Int64.max)
        let duplicates = try reader.integer("duplicates", in: 0...Int64.max)
        try reader.finish()
        self.init(recorded: recorded, duplicates: duplicates)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current),
            "recorded": .integer(recorded), "duplicates": .integer(duplicates),
        ])
    }
}

extension StaffAccount {
    /// Longest account e-mail, in bytes.
    package static let maximumEmailBytes = 255

    /// The account identity of `text` — trimmed and lower-cased, one `@` with a non-empty local
    /// part and a dotted domain, no spaces or control characters — or nil when it is not one.
    /// Central and standalone workstations accept the same e-mails.
    package static func normalizedEmail(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."),
            email.utf8.count <= maximumEmailBytes,
            email.unicodeScalars.allSatisfy({
                !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.controlCharacters.contains($0)
            })
        else { return nil }
        return email
    }
}
