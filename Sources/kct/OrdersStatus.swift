import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct OrdersStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Move an order to another status.",
        discussion: """
            Only the moves of the lifecycle are accepted (protocol/ORDER-LIFECYCLE.md); a refused \
            move names the allowed ones. on_hold and exception remember where the order was, and \
            the order returns there.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Argument(help: "New status (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))).") var status:
        OrderStatus
    @Option(help: "Why (kept in the status history).") var note: String?

    func run() throws {
        let store = try global.openStore()
        let before = try store.order(order)
        let moved = try store.changeStatus(order, to: status, note: note, by: try global.signedIn(store))
        if global.json {
            try Output.json(OrderJSON(try store.detail(moved.id)))
        } else {
            print("\(moved.orderNumber): \(before.status.rawValue) → \(moved.status.rawValue)")
        }
    }
}
