import ArgumentParser
import SyncCore

/// A role given on the command line (`--role admin|manager|processor|viewer`, any case), for
/// `kct users` and `kct central` alike; a wrong one is named with the roles there are.
enum RoleArgument {
    static func parse(_ text: String) throws -> StaffRole {
        guard let role = StaffRole(rawValue: text.lowercased()) else {
            throw ValidationError(
                "'\(text)' is not a role; use one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}
