import ArgumentParser
import JSONViews
import Store

struct OrdersItemUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Change some fields of an item.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Argument(help: "Item: its line number (# in `orders show`) or id.") var item: String
    @Argument(
        help:
            "Fields to change: 'qty=2,price=110.00' (keys as for --item; empty value clears size, color, measurements)."
    )
    var fields: String

    func run() throws {
        let store = try global.openStore()
        let patch = try ItemSpec(fields).patch(currency: try store.currency(of: order))
        let updated = try store.updateItem(order: order, item: item, patch, by: try global.signedIn(store))
        let detail = try store.detail(order)
        if global.json {
            try Output.json(OrderJSON(detail))
        } else {
            print(
                "updated item \(updated.lineNumber) of \(detail.order.orderNumber)  total "
                    + "\(Output.money(detail.order.total))"
            )
        }
    }
}
