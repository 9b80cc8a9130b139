import ArgumentParser
import Store
import SyncCore

struct UsersSetRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-role", abstract: "Change an account's role (signed-in admin only).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountEmailOption

    @Option(
        help: ArgumentHelp("admin, manager, processor or viewer.", valueName: "role"), transform: RoleArgument.parse)
    var role: StaffRole

    func run() throws {
        let store = try global.openStore()
        let changed = try store.setRole(of: account.email, to: role, by: try global.signedIn(store))
        try AccountOutput.print(changed, json: global.json)
    }
}
