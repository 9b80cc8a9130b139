import ArgumentParser
import JSONViews
import Store

struct QueueRelease: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Give back the claim on an order: one's own, or (managers) anyone's.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Order number or id.") var order: String

    func run() throws {
        let store = try global.openStore()
        let released = try store.releaseClaim(order, by: try global.signedIn(store))
        if global.json {
            try Output.json(ClaimJSON(released))
        } else {
            print("released \(released.email)'s claim on \(try store.order(order).orderNumber)")
        }
    }
}
