import ArgumentParser
import Foundation
import Store

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in on this workstation; editing commands then act as you.",
        discussion: """
            Checked against this workstation's copy of the accounts, so it works offline. The \
            session lasts 12 hours (or until `kct logout`); its token is kept in \
            $DATA_DIR/session (mode 0600). After 3 failed sign-ins for an e-mail, each further \
            attempt must wait 1, 2, 4 … s (at most 5 minutes) after the last failure.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Your account's e-mail address.", valueName: "email"))
    var email: String

    @Flag(help: "Read the password from one line of standard input instead of asking on the terminal.")
    var passwordStdin = false

    func run() throws {
        let store = try global.openStore()
        let password = try PasswordInput.read(fromStandardInput: passwordStdin)
        let session = try store.signIn(email: email, password: password, kind: .cli)
        if let previous = try global.sessionFile.read() { try store.signOut(token: previous) }
        try global.sessionFile.write(session.token)
        let actor = session.actor
        if global.json {
            try Output.json(WhoamiJSON(actor: actor, expiresAt: session.expiresAt))
        } else {
            print(
                "signed in as \(actor.name) <\(actor.email)>, \(actor.role.rawValue), until "
                    + "\(Output.time(session.expiresAt)) UTC"
            )
        }
    }
}

struct WhoamiJSON: Encodable {
    var email: String
    var name: String
    var role: String
    var expiresAt: String

    init(actor: StaffActor, expiresAt: String) {
        email = actor.email
        name = actor.name
        role = actor.role.rawValue
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case email, name, role, expiresAt = "expires_at"
    }
}
