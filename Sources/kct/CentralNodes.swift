import ArgumentParser
import Central

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
        let nodeID: String?
        let createdAt: String
        let boundAt: String?
        let revokedAt: String?
        let lastSettledSequence: Int64

        enum CodingKeys: String, CodingKey {
            case name, shop, scope, nodeID = "node_id", createdAt = "created_at", boundAt = "bound_at"
            case revokedAt = "revoked_at", lastSettledSequence = "last_settled_sequence"
        }

        // Absent values are written as null, so every object has the same keys.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(shop, forKey: .shop)
            try container.encode(scope, forKey: .scope)
            try container.encode(nodeID, forKey: .nodeID)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(boundAt, forKey: .boundAt)
            try container.encode(revokedAt, forKey: .revokedAt)
            try container.encode(lastSettledSequence, forKey: .lastSettledSequence)
        }
    }

    func run() throws {
        let nodes = try CentralStore.open(path: database.path).nodes()
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
