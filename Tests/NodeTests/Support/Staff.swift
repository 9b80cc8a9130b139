import Foundation
import StaffAuth
import Store
import SyncCore

/// The password of every test account.
let testPassword = "correct horse battery"

extension StaffActor {
    /// Someone to make edits as directly through the store (no account, no sign-in).
    static func test(_ email: String, role: StaffRole = .admin) -> StaffActor {
        StaffActor(email: email, name: email, role: role)
    }
}

extension OrderStore {
    /// Makes `email` an account with `role` on this standalone replica (after a first admin,
    /// `admin@kct.example`, if there is none yet) and opens an API session for it. Each account
    /// and sign-in costs a scrypt (~0.1 s), so tests sign in once.
    func testSession(_ email: String = "admin@kct.example", role: StaffRole = .admin) throws -> String {
        let admin = "admin@kct.example"
        if try accounts().isEmpty {
            try addAccount(email: admin, name: "Admin", role: .admin, password: testPassword, by: nil)
        }
        if email != admin {
            try addAccount(email: email, name: email, role: role, password: testPassword, by: StaffActor.test(admin))
        }
        return try signIn(email: email, password: testPassword, kind: .api).token
    }

    /// Central's account list for tests of a joined node.
    static func testAccount(_ email: String, role: StaffRole, version: Int64, disabled: Bool = false) throws
        -> StaffAccount
    {
        StaffAccount(
            email: email, name: email, role: role, passwordHash: try testPasswordHash(), disabled: disabled,
            version: version)
    }
}

/// One scrypt hash of `testPassword`, made once per test process.
private let sharedHash = Result { try PasswordHash.make(testPassword) }
func testPasswordHash() throws -> String { try sharedHash.get() }

/// Whether `body` was refused by the permission matrix.
func isForbidden(_ body: () throws -> Void) -> Bool {
    do {
        try body()
        return false
    } catch let error as StoreError {
        if case .forbidden = error { return true }
        return false
    } catch {
        return false
    }
}
