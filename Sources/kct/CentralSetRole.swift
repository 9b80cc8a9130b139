import ArgumentParser
import Central

struct CentralSetRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-role",
        abstract: "Change an account's role; pushes from then on are judged by the new role (a running central sees it at once).")

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption

    @Option(help: ArgumentHelp("The new role.", valueName: "role"))
    var role: CentralRoleArgument

    func run() throws {
        let store = try CentralStore.open(path: database.path)
        let changed = try store.setRole(email: account.email, role: role.role, by: CentralOperator.name)
        Output.note("\(changed.email) is now \(changed.role.withArticle); account version \(changed.version)")
    }
}
