import ArgumentParser
import Central
import SyncCore

struct CentralSetRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-role",
        abstract:
            "Change an account's role; pushes from then on are judged by the new role (a running central sees it at "
            + "once)."
    )

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption

    @Option(
        help: ArgumentHelp("The new role: admin, manager, processor or viewer.", valueName: "role"),
        transform: RoleArgument.parse)
    var role: StaffRole

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let changed = try store.setRole(of: account.email, to: role, by: CentralOperator.name)
        Output.note("\(changed.email) is now \(changed.role.withArticle); account version \(changed.version)")
    }
}
