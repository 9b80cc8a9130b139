import ArgumentParser
import Store

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the replica of this workstation and print its node id.",
        discussion: "Refuses, changing nothing, when a replica already exists in the data directory.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Workstation code: 1 to 5 letters or digits, unique within the shop (e.g. W1).", valueName: "code"))
    var name: String

    @Option(help: ArgumentHelp("Shop code: 1 to 5 letters or digits (e.g. S01).", valueName: "code"))
    var shop: String

    func run() throws {
        let store = try OrderStore.create(directory: global.resolvedDataDir, name: name, shopCode: shop)
        let identity = store.identity
        if global.json {
            try Output.json(NodeJSON(identity: identity, dataDir: global.resolvedDataDir, replica: store.path))
        } else {
            print(identity.nodeID)
            Output.note("created replica \(store.path) for workstation \(identity.name) of shop \(identity.shopCode)")
        }
    }
}
