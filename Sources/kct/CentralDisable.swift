import ArgumentParser
import Central

struct CentralDisable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable an account: its sign-ins and its pushed changes are refused (account_disabled).")

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption

    func run() throws {
        let changed = try CentralStore.open(at: database.location).setDisabled(
            account.email, true, by: CentralOperator.name)
        Output.note("disabled \(changed.email); account version \(changed.version)")
    }
}
