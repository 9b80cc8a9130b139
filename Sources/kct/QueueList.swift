import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct QueueList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Open orders by priority score, highest first, with who has claimed them.",
        discussion: """
            score = base(priority) + 2 per hour of age (max 336) + deadline bonus for needed_by \\
            (overdue 700; within 14 days (15 - days left) × 40). See protocol/ORDER-LIFECYCLE.md.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "At most this many orders.") var limit = 50
    @Option(help: ArgumentHelp("Only orders in these statuses (comma-separated).", valueName: "statuses"))
    var status: String?
    @Option(help: ArgumentHelp("Only orders of these priorities (comma-separated).", valueName: "priorities"))
    var priority: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        _ = try statuses()
        _ = try priorities()
    }

    func statuses() throws -> [OrderStatus] {
        try Self.list(
            status, name: "--status", parse: OrderStatus.init(parsing:), all: OrderStatus.allCases.map(\.rawValue))
    }

    func priorities() throws -> [OrderPriority] {
        try Self.list(
            priority, name: "--priority", parse: OrderPriority.init(parsing:),
            all: OrderPriority.allCases.map(\.rawValue))
    }

    static func list<Value>(_ text: String?, name: String, parse: (String) -> Value?, all: [String]) throws -> [Value] {
        try (text ?? "").split(separator: ",").map { part in
            guard let value = parse(String(part)) else {
                throw ValidationError("\(name): '\(part)' is not one of: \(all.joined(separator: ", "))")
            }
            return value
        }
    }

    func run() throws {
        let entries = try global.openStore().queue(limit: limit, statuses: try statuses(), priorities: try priorities())
        if global.json {
            try Output.json(entries.map(QueueEntryJSON.init))
            return
        }
        if entries.isEmpty {
            Output.note("the queue is empty")
            return
        }
        print(
            Output.table(
                ["#", "SCORE", "ORDER", "PRIORITY", "STATUS", "NEEDED BY", "CLAIMED BY", "CUSTOMER", "CREATED"],
                entries.map { entry in
                    [
                        String(entry.position), String(entry.score), entry.order.orderNumber,
                        entry.order.priority.rawValue, entry.order.status.rawValue,
                        entry.order.neededBy?.description ?? "", entry.claim?.email ?? "", entry.order.customerName,
                        Output.time(entry.order.createdAt),
                    ]
                }))
    }
}
