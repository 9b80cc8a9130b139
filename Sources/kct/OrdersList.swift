import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct OrdersList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List orders, newest first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only orders in this status (repeatable).") var status: [OrderStatus] = []
    @Option(help: "Only orders with this priority (repeatable).") var priority: [OrderPriority] = []
    @Option(help: "Words to find in order number, customer name, e-mail or phone (prefixes match).") var search: String?
    @Option(help: "At most this many orders.") var limit = 50

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try global.openStore()
        let orders = try store.orders(OrderFilter(statuses: status, priorities: priority, search: search, limit: limit))
        if global.json {
            try Output.json(try orders.map { OrderJSON(try store.detail($0.id)) })
            return
        }
        if orders.isEmpty {
            Output.note("no orders")
            return
        }
        print(
            Output.table(
                ["ORDER", "STATUS", "PRIORITY", "CUSTOMER", "TOTAL", "NEEDED BY", "CREATED"],
                orders.map { order in
                    [
                        order.orderNumber, order.status.rawValue, order.priority.rawValue, order.customerName,
                        Output.money(order.total), order.neededBy?.description ?? "", Output.time(order.createdAt),
                    ]
                }))
    }
}
