import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct OrdersPriority: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "priority", abstract: "Change an order's priority.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Argument(help: "New priority (\(OrderPriority.allCases.map(\.rawValue).joined(separator: ", "))).") var priority:
        OrderPriority

    func run() throws {
        let store = try global.openStore()
        let updated = try store.setPriority(order, to: priority, by: try global.signedIn(store))
        if global.json {
            try Output.json(OrderJSON(try store.detail(updated.id)))
        } else {
            print("\(updated.orderNumber): priority \(updated.priority.rawValue)")
        }
    }
}
