import ArgumentParser
import JSONViews
import Store

struct OrdersItemAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an item to an order.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Argument(help: "The item: 'name=Vest,qty=1,price=120.00,size=40R,color=navy'.") var item: String

    func run() throws {
        let store = try global.openStore()
        let draft = try ItemSpec(item).draft(currency: try store.currency(of: order))
        let added = try store.addItem(to: order, draft, by: try global.signedIn(store))
        let detail = try store.detail(order)
        if global.json {
            try Output.json(OrderJSON(detail))
        } else {
            print(
                "added item \(added.lineNumber) to \(detail.order.orderNumber)  total "
                    + "\(Output.money(detail.order.total))"
            )
        }
    }
}
