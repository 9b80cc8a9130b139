import ArgumentParser
import JSONViews
import Store

struct UsersList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the accounts this workstation knows (from central when joined), without password hashes.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.openStore()
        let accounts = try store.accounts()
        if global.json {
            try Output.json(accounts.map(AccountJSON.init))
            return
        }
        let origin = try store.accountsOrigin()
        print(
            Output.table(
                ["EMAIL", "NAME", "ROLE", "STATE"],
                accounts.map {
                    [$0.email, $0.name, $0.role.rawValue, $0.disabled ? "disabled" : "active"]
                }))
        Output.note(
            origin.source == .central
                ? "accounts from central (version \(origin.version)); manage them there with `kct central add-user` …"
                : "accounts of this standalone workstation (kct users add)")
    }
}
