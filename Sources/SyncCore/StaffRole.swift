/// A member of staff's role, as the seed's `user_roles` had them. What each may do is the
/// permission matrix (`PermissionMatrix`, protocol/PERMISSIONS.md); roles are cumulative, so
/// every permission of a role is also a permission of the roles above it.
package enum StaffRole: String, CaseIterable, Sendable, Codable, Comparable {
    case viewer
    case processor
    case manager
    case admin

    /// Position in the hierarchy: viewer 0 … admin 3.
    package var rank: Int {
        switch self {
        case .viewer: 0
        case .processor: 1
        case .manager: 2
        case .admin: 3
        }
    }

    package static func < (lhs: StaffRole, rhs: StaffRole) -> Bool { lhs.rank < rhs.rank }

    /// "a processor", "an admin": for refusals that name the role.
    package var withArticle: String { self == .admin ? "an admin" : "a \(rawValue)" }
}
