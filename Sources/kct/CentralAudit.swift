import ArgumentParser
import Central
import JSONViews

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
        let id: Int64
        let receivedAt: String
        let kind: String
        @Nullable var person: String?
        @Nullable var node: String?
        @Nullable var orderID: String?
        @Nullable var entity: String?
        @Nullable var operation: String?
        @Nullable var hlc: String?
        @Nullable var sequence: Int64?
        @Nullable var outcome: String?
        @Nullable var code: String?
        let detail: String
        @Nullable var eventID: String?
        @Nullable var happenedAt: String?

        init(_ entry: AuditEntry) {
            id = entry.id
            receivedAt = entry.receivedAt
            kind = entry.kind.rawValue
            person = entry.person
            node = entry.nodeName
            orderID = entry.orderID
            entity = entry.entity
            operation = entry.operation
            hlc = entry.hlc
            sequence = entry.sequence
            outcome = entry.outcome
            code = entry.code
            detail = entry.detail
            eventID = entry.eventID
            happenedAt = entry.happenedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, receivedAt = "received_at", kind, person, node = "node_name", orderID = "order_id", entity
            case operation, hlc, sequence, outcome, code, detail, eventID = "event_id", happenedAt = "happened_at"
        }
    }

    func run() throws {
        let entries = try CentralStore.open(at: database.location).audit(filter, limit: limit)
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
