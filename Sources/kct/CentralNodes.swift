import ArgumentParser
import Central
import JSONViews

struct CentralNodes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List registered workstations.")

    @OptionGroup var database: CentralDatabaseOption

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct NodeJSON: Encodable {
        let name: String
        let shop: String
        let scope: String
        @Nullable var nodeID: String?
        let createdAt: String
        @Nullable var boundAt: String?
        @Nullable var revokedAt: String?
        let lastSettledSequence: Int64

        enum CodingKeys: String, CodingKey {
            case name, shop, scope, nodeID = "node_id", createdAt = "created_at", boundAt = "bound_at"
            case revokedAt = "revoked_at", lastSettledSequence = "last_settled_sequence"
        }
    }

    func run() throws {
        let nodes = try CentralStore.open(at: database.location).nodes()
        if json {
            try Output.json(
                nodes.map {
                    NodeJSON(
                        name: $0.name, shop: $0.shop, scope: $0.scope.rawValue, nodeID: $0.nodeID,
                        createdAt: $0.createdAt, boundAt: $0.boundAt,
                        revokedAt: $0.revokedAt, lastSettledSequence: $0.lastSettledSequence)
                })
        } else {
            print(
                Output.table(
                    ["NAME", "SHOP", "SCOPE", "NODE ID", "SETTLED", "STATE"],
                    nodes.map { node in
                        [
                            node.name, node.shop, node.scope == .all ? "all shops" : "shop",
                            node.nodeID ?? "(no push yet)", String(node.lastSettledSequence),
                            node.revokedAt.map { "revoked \(Output.time($0))" } ?? "active",
                        ]
                    }))
        }
    }
}
