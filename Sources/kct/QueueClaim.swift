import ArgumentParser
import JSONViews
import Store

struct QueueClaim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Take an order for the stage it is in (\"I'm cutting this one\"); others see it on the queue.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Order number or id.") var order: String

    func run() throws {
        let store = try global.openStore()
        let holder = try store.claimOrder(order, by: try global.signedIn(store))
        if global.json {
            try Output.json(ClaimJSON(holder))
        } else {
            print("claimed \(try store.order(order).orderNumber) for \(holder.stage.rawValue) as \(holder.email)")
        }
    }
}
