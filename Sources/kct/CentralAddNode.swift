import ArgumentParser
import Central

struct CentralAddNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-node",
        abstract: "Register a workstation and print its bearer token (shown once; central keeps only its hash).",
        discussion: """
            The workstation uses the token with `kct init --central URL --token TOKEN` or `kct join`. \
            Its node id is bound to this registration by its first push. A workstation syncs its shop's \
            orders only; `--scope all` registers an admin workstation that reads every shop's (it still \
            changes only its own shop's).
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Option(
        help: ArgumentHelp(
            "Workstation code, as given to `kct init --name` (e.g. W1). 'central' is reserved.", valueName: "code"))
    var name: String

    @Option(help: ArgumentHelp("Shop code (e.g. S01).", valueName: "code"))
    var shop: String

    @Option(
        help: ArgumentHelp(
            "Which orders the workstation syncs: 'shop' (its shop's) or 'all' (every shop's: an admin "
                + "workstation; it still changes only its own shop's).",
            valueName: "shop|all"))
    var scope = NodeScope.shop.rawValue

    @Flag(help: "Print {\"node_name\",\"shop\",\"scope\",\"token\"} as JSON.")
    var json = false

    func validate() throws {
        guard NodeScope(rawValue: scope.lowercased()) != nil else {
            throw ValidationError("--scope must be 'shop' or 'all', not '\(scope)'")
        }
    }

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let registration = try store.addNode(
            name: name, shop: shop, scope: NodeScope(rawValue: scope.lowercased()) ?? .shop)
        if json {
            try Output.json([
                "node_name": registration.node.name, "shop": registration.node.shop,
                "scope": registration.node.scope.rawValue, "token": registration.token,
            ])
        } else {
            print("token: \(registration.token)")
            Output.note(
                "registered workstation \(registration.node.name) of shop \(registration.node.shop)"
                    + (registration.node.scope == .all ? ", reading every shop's orders" : "")
                    + "; the token is not shown again"
            )
        }
    }
}
