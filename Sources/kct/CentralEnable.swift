import ArgumentParser
import Central

struct CentralEnable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Enable a disabled account again.")

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption

    func run() throws {
        let changed = try CentralStore.open(at: database.location).setDisabled(
            account.email, false, by: CentralOperator.name)
        Output.note("enabled \(changed.email); account version \(changed.version)")
    }
}
