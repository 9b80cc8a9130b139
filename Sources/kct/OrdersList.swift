import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct OrdersList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List orders, newest first, a page at a time.",
        discussion: """
            When more orders follow, the last line (on stderr) gives the --after cursor of the next page; \
            with --search, results come most recently added to this replica first.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only orders in this status (repeatable).") var status: [OrderStatus] = []
    @Option(help: "Only orders with this priority (repeatable).") var priority: [OrderPriority] = []
    @Option(help: "Words to find in order number, customer name, e-mail or phone (prefixes match).") var search: String?
    @Option(help: "At most this many orders.") var limit = 50
    @Option(
        help: ArgumentHelp(
            "Start after this cursor: the one the previous page printed, with the same filters and search.",
            valueName: "cursor"))
    var after: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        _ = try cursor()
    }

    func cursor() throws -> OrderListCursor? {
        guard let after else { return nil }
        do { return try OrderListCursor(parsing: after, search: filter(after: nil).isSearch) } catch {
            throw ValidationError("--after: \(error.description)")
        }
    }

    func filter(after cursor: OrderListCursor?) -> OrderFilter {
        OrderFilter(statuses: status, priorities: priority, search: search, limit: limit, after: cursor)
    }

    func run() throws {
        let store = try global.openStore()
        let page = try store.orderPage(filter(after: try cursor()))
        let next = page.nextCursor.map { "more orders: next page with --after \($0.encoded)" }
        if global.json {
            try Output.json(try page.orders.map { OrderJSON(try store.detail($0.id)) })
            if let next { Output.note(next) }
            return
        }
        if page.orders.isEmpty {
            Output.note(after == nil ? "no orders" : "no more orders")
            return
        }
        print(
            Output.table(
                ["ORDER", "STATUS", "PRIORITY", "CUSTOMER", "TOTAL", "NEEDED BY", "CREATED"],
                page.orders.map { order in
                    [
                        order.orderNumber, order.status.rawValue, order.priority.rawValue, order.customerName,
                        Output.money(order.total), order.neededBy?.description ?? "", Output.time(order.createdAt),
                    ]
                }))
        if let next { Output.note(next) }
    }
}
