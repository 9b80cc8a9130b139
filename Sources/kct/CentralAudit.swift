import ArgumentParser
import Central

struct CentralAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit trail of an order, a person or a workstation, oldest first.",
        discussion: """
            Every pushed change (applied, superseded or rejected, with the reason), sign-ins uploaded by \
            the workstations, account changes (created, role from → to, disabled, enabled, password set) \
            and workstation events (added, token bound, revoked). The trail is append-only.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Option(help: ArgumentHelp("An order's id or order number.", valueName: "order"))
    var order: String?

    @Option(
        help: ArgumentHelp(
            "A person's account e-mail (author of changes, subject of account events).", valueName: "email"))
    var user: String?

    @Option(help: ArgumentHelp("A workstation's registered name.", valueName: "code"))
    var node: String?

    @Option(help: ArgumentHelp("Show only the latest N entries (still oldest first).", valueName: "N"))
    var limit: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        if [order, user, node].compactMap({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --order, --user or --node")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    var filter: AuditFilter {
        if let order { return .order(order) }
        if let user { return .person(user) }
        return .node(node ?? "")
    }

    struct EntryJSON: Encodable {
        let entry: AuditEntry

        enum CodingKeys: String, CodingKey {
            case id, receivedAt = "received_at", kind, person, node = "node_name", orderID = "order_id", entity,
                operation
            case hlc, sequence, outcome, code, detail, eventID = "event_id", happenedAt = "happened_at"
        }

        // Absent values are written as null, so every object has the same keys.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entry.id, forKey: .id)
            try container.encode(entry.receivedAt, forKey: .receivedAt)
            try container.encode(entry.kind.rawValue, forKey: .kind)
            try container.encode(entry.person, forKey: .person)
            try container.encode(entry.nodeName, forKey: .node)
            try container.encode(entry.orderID, forKey: .orderID)
            try container.encode(entry.entity, forKey: .entity)
            try container.encode(entry.operation, forKey: .operation)
            try container.encode(entry.hlc, forKey: .hlc)
            try container.encode(entry.sequence, forKey: .sequence)
            try container.encode(entry.outcome, forKey: .outcome)
            try container.encode(entry.code, forKey: .code)
            try container.encode(entry.detail, forKey: .detail)
            try container.encode(entry.eventID, forKey: .eventID)
            try container.encode(entry.happenedAt, forKey: .happenedAt)
        }
    }

    func run() throws {
        let entries = try CentralStore.open(path: database.path).audit(filter, limit: limit)
        if json {
            try Output.json(entries.map(EntryJSON.init))
            return
        }
        if entries.isEmpty {
            Output.note("no audit entries")
            return
        }
        print(
            Output.table(
                ["TIME", "EVENT", "PERSON", "NODE", "ORDER", "WHAT", "OUTCOME"],
                entries.map { entry in
                    let what = [entry.entity, entry.operation].compactMap { $0 }.joined(separator: " ")
                    let outcome = [entry.outcome, entry.code].compactMap { $0 }.joined(separator: " ")
                    return [
                        Output.time(entry.receivedAt), entry.kind.rawValue, entry.person ?? "", entry.nodeName ?? "",
                        entry.orderID ?? "",
                        [what, entry.detail].filter { !$0.isEmpty }.joined(separator: ": "), outcome,
                    ]
                }))
    }
}
