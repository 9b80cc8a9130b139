import ArgumentParser
import Store

struct UsersDisable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable an account: it can no longer sign in, and its sessions end (signed-in admin only).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountEmailOption

    func run() throws {
        let store = try global.openStore()
        try AccountOutput.print(
            try store.setDisabled(account.email, true, by: try global.signedIn(store)), json: global.json)
    }
}
