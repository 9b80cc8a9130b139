import ArgumentParser
import Central

struct CentralAddNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-node",
        abstract: "Register a workstation and print its bearer token (shown once; central keeps only its hash).",
        discussion: """
            The workstation uses the token with `kct init --central URL --token TOKEN` or `kct join`. \
            Its node id is bound to this registration by its first push.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Option(
        help: ArgumentHelp(
            "Workstation code, as given to `kct init --name` (e.g. W1). 'central' is reserved.", valueName: "code"))
    var name: String

    @Option(help: ArgumentHelp("Shop code (e.g. S01).", valueName: "code"))
    var shop: String

    @Flag(help: "Print {\"node_name\",\"shop\",\"token\"} as JSON.")
    var json = false

    func run() throws {
        let store = try CentralStore.open(path: database.path)
        let registration = try store.addNode(name: name, shop: shop)
        if json {
            try Output.json([
                "node_name": registration.node.name, "shop": registration.node.shop, "token": registration.token,
            ])
        } else {
            print("token: \(registration.token)")
            Output.note(
                "registered workstation \(registration.node.name) of shop \(registration.node.shop); the token is "
                    + "not shown again"
            )
        }
    }
}
