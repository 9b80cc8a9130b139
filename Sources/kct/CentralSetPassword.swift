import ArgumentParser
import Central

struct CentralSetPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-password",
        abstract: "Replace an account's password (asked on the terminal, or --password-stdin).")

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption
    @OptionGroup var password: CentralPasswordOptions

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let changed = try store.setPassword(
            of: account.email, to: try password.read(), by: CentralOperator.name)
        Output.note("set the password of \(changed.email); account version \(changed.version)")
    }
}
