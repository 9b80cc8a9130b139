import Foundation
import HTTP
import JSONViews
import Store
import SyncCore

/// Staff accounts: `GET /api/users` (anyone signed in; never password hashes); on a standalone
/// workstation an admin also has `POST /api/users` (`{"email","name","role","password"}`, 201),
/// `POST /api/users/:email/role` (`{"role"}`), `POST /api/users/:email/disable` and `…/enable`.
/// A workstation joined to central takes its accounts from central: those edits answer 409
/// saying to use `kct central …` there.
extension LocalAPI {
    func listUsers(_ responder: HTTPResponder, _ token: SessionToken) {
        answer(responder, token) { store, _ in try APIJSON.encode(try store.accounts().map(AccountJSON.init)) }
    }

    func addUser(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let body = try APIBody(request, allowed: ["email", "name", "role", "password"])
        let email = try body.text("email", required: true) ?? ""
        let name = try body.text("name", required: true) ?? ""
        let role: StaffRole = try body.choice("role", required: true) ?? .viewer
        let password = try body.text("password", required: true) ?? ""
        manageAccount(responder, token, status: .created) { store, actor in
            // The scrypt hash (~0.1 s) is made here, on the thread pool.
            try store.addAccount(email: email, name: name, role: role, password: password, by: actor)
        }
    }

    func setUserRole(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let email = (request.pathParameters["email"] ?? "").removingPercentEncoding ?? ""
        let body = try APIBody(request, allowed: ["role"])
        let role: StaffRole = try body.choice("role", required: true) ?? .viewer
        manageAccount(responder, token) { store, actor in try store.setRole(of: email, to: role, by: actor) }
    }

    func setUserDisabled(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken, disabled: Bool) {
        let email = (request.pathParameters["email"] ?? "").removingPercentEncoding ?? ""
        manageAccount(responder, token) { store, actor in try store.setDisabled(email, disabled, by: actor) }
    }

    /// An account change on the thread pool: 409 on a joined workstation (before anything else,
    /// so the answer says where accounts are managed), else the store's checks (admin only).
    private func manageAccount(
        _ responder: HTTPResponder, _ token: SessionToken, status: HTTPStatus = .ok,
        _ work: @escaping @Sendable (OrderStore, StaffActor) throws -> AccountRecord
    ) {
        answer(responder, token, status: status) { store, actor in
            guard try store.accountsOrigin().source == .local else {
                throw APIError(
                    .conflict, code: "accounts_from_central",
                    "this workstation's accounts come from central: manage them there with "
                        + "`kct central add-user`, `set-role`, `disable` or `enable`")
            }
            return try APIJSON.encode(AccountJSON(try work(store, actor)))
        }
    }
}
