/// A staff account as listed, on a workstation (`kct users list`) or at central (`kct central
/// list-users`): everything but the password hash.
package struct AccountRecord: Hashable, Sendable {
    package var email: String
    package var name: String
    package var role: StaffRole
    package var disabled: Bool
    /// The account version when the account last changed (central's, or the workstation's own).
    package var version: Int64
    /// When the account was made; nil on a workstation, whose replica does not keep it.
    package var createdAt: String?
    package var updatedAt: String

    package init(
        email: String, name: String, role: StaffRole, disabled: Bool, version: Int64, createdAt: String?,
        updatedAt: String
    ) {
        self.email = email
        self.name = name
        self.role = role
        self.disabled = disabled
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
