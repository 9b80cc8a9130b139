import ArgumentParser
import JSONViews
import Store

struct OrdersItemRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove an item (an order keeps at least one).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Argument(help: "Item: its line number or id.") var item: String

    func run() throws {
        let store = try global.openStore()
        try store.removeItem(order: order, item: item, by: try global.signedIn(store))
        let detail = try store.detail(order)
        if global.json {
            try Output.json(OrderJSON(detail))
        } else {
            print("removed item \(item) from \(detail.order.orderNumber)  total \(Output.money(detail.order.total))")
        }
    }
}
