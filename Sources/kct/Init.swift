import ArgumentParser
import JSONViews
import Store

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the replica of this workstation and print its node id.",
        discussion: "Refuses, changing nothing, when a replica already exists in the data directory.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Workstation code: 1 to 5 letters or digits, unique within the shop (e.g. W1).", valueName: "code"))
    var name: String

    @Option(help: ArgumentHelp("Shop code: 1 to 5 letters or digits (e.g. S01).", valueName: "code"))
    var shop: String

    @Option(help: ArgumentHelp("Central's URL, to sync with (or later: kct join).", valueName: "url"))
    var central: String?

    @Option(help: ArgumentHelp("This node's token from `kct central add-node` (with --central).", valueName: "token"))
    var token: String?

    @Flag(help: "With --central: only store the URL and token, do not sync now.")
    var noSync = false

    func validate() throws {
        guard (central == nil) == (token == nil) else { throw ValidationError("give --central and --token together") }
        if let central, let token { try CentralOptions.check(url: central, token: token) }
    }

    func run() throws {
        let store = try OrderStore.create(directory: global.resolvedDataDir, name: name, shopCode: shop)
        if let central, let token {
            try store.setSyncSettings(SyncSettings(centralURL: central, token: token))
            CentralOptions.fetchAccounts(store, url: central, token: token)
            // Progress goes to stderr; the node id follows on stdout.
            if !noSync { InitialSync.run(store) }
        }
        let identity = store.identity
        if global.json {
            try Output.json(NodeJSON(identity: identity, dataDir: global.resolvedDataDir, replica: store.path))
        } else {
            print(identity.nodeID)
            Output.note("created replica \(store.path) for workstation \(identity.name) of shop \(identity.shopCode)")
            if central == nil {
                Output.note(
                    "next: the first staff account, an admin: kct users add --email you@example.com --name NAME "
                        + "--role admin"
                )
            }
        }
    }
}
