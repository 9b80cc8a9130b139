import ArgumentParser
import Store

struct UsersEnable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Enable a disabled account again (signed-in admin only).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountEmailOption

    func run() throws {
        let store = try global.openStore()
        try AccountOutput.print(
            try store.setDisabled(account.email, false, by: try global.signedIn(store)), json: global.json)
    }
}
