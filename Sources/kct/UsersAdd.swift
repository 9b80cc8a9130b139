import ArgumentParser
import Store
import SyncCore

struct UsersAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an account (the first one of a workstation must be an admin and needs no sign-in).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountEmailOption

    @Option(help: ArgumentHelp("The person's name, as shown in `whoami` and lists.", valueName: "name"))
    var name: String

    @Option(
        help: ArgumentHelp(
            "admin, manager, processor or viewer (see README: Staff, sign-in and roles).", valueName: "role"),
        transform: RoleArgument.parse)
    var role: StaffRole

    @Flag(help: "Read the new password from one line of standard input instead of asking on the terminal.")
    var passwordStdin = false

    func run() throws {
        let store = try global.openStore()
        let actor: StaffActor? = try store.accounts().isEmpty ? nil : global.signedIn(store)
        let password = try PasswordInput.read(
            fromStandardInput: passwordStdin, prompt: "New password for \(account.email): ")
        let added = try store.addAccount(email: account.email, name: name, role: role, password: password, by: actor)
        try AccountOutput.print(added, json: global.json)
    }
}
