import ArgumentParser
import JSONViews
import Store
import SyncCore

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Staff accounts of a standalone workstation (one with no central).",
        discussion: """
            A workstation joined to central gets its accounts from central: manage them there with \
            `kct central add-user` and friends. On a standalone one, the first account needs no \
            sign-in and must be an admin; afterwards an admin must be signed in (`kct login`).
            """,
        subcommands: [UsersAdd.self, UsersSetRole.self, UsersDisable.self, UsersEnable.self, UsersList.self])
}

/// The e-mail option the `users` subcommands share.
struct AccountEmailOption: ParsableArguments {
    @Option(help: ArgumentHelp("The account's e-mail address.", valueName: "email"))
    var email: String
}

enum AccountOutput {
    static func print(_ account: AccountRecord, json: Bool) throws {
        if json {
            try Output.json(AccountJSON(account))
        } else {
            Swift.print(
                "\(account.email): \(account.name), \(account.role.rawValue)\(account.disabled ? ", disabled" : "")")
        }
    }
}
