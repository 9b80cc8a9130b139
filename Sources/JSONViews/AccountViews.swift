import Store
import SyncCore

/// A staff account as `kct users … --json` prints it and `GET /api/users` serves it: never
/// the password hash.
package struct AccountJSON: Encodable {
    package var email: String
    package var name: String
    package var role: String
    package var disabled: Bool
    package var version: Int64
    package var updatedAt: String

    package init(_ account: AccountRecord) {
        email = account.email
        name = account.name
        role = account.role.rawValue
        disabled = account.disabled
        version = account.version
        updatedAt = account.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case email, name, role, disabled, version, updatedAt = "updated_at"
    }
}
