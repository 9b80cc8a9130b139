import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open orders by priority score, highest first.",
        discussion: """
            score = base(priority) + 2 per hour of age (max 336) + deadline bonus for needed_by \
            (overdue 700; within 14 days (15 - days left) × 40). See protocol/ORDER-LIFECYCLE.md.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "At most this many orders.") var limit = 50

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let entries = try global.openStore().queue(limit: limit)
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
                ["#", "SCORE", "ORDER", "PRIORITY", "STATUS", "NEEDED BY", "CUSTOMER", "CREATED"],
                entries.map { entry in
                    [
                        String(entry.position), String(entry.score), entry.order.orderNumber,
                        entry.order.priority.rawValue,
                        entry.order.status.rawValue, entry.order.neededBy?.description ?? "", entry.order.customerName,
                        Output.time(entry.order.createdAt),
                    ]
                }))
    }
}
