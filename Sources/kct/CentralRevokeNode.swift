import ArgumentParser
import Central

struct CentralRevokeNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-node",
        abstract: "Revoke a workstation's token: its requests get 401 from now on (a running central sees it at once).")

    @OptionGroup var database: CentralDatabaseOption

    @Option(help: ArgumentHelp("The workstation's registered name.", valueName: "code"))
    var name: String

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let node = try store.revokeNode(name: name)
        Output.note("revoked \(node.name) at \(node.revokedAt ?? "?")")
    }
}
