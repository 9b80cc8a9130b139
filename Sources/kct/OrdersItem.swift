import ArgumentParser

struct OrdersItem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "item",
        abstract: "Add, change or remove an order's items (totals are recomputed).",
        subcommands: [OrdersItemAdd.self, OrdersItemUpdate.self, OrdersItemRemove.self])
}
