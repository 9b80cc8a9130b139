import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct OrdersLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Record a message to or from the customer (append-only).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Option(help: "What it was about.") var type: CommunicationType = .note
    @Option(help: "How it reached the customer.") var channel: CommunicationChannel = .email
    @Option(help: "The message.") var message: String

    func run() throws {
        let store = try global.openStore()
        try store.logCommunication(
            on: order, CommunicationDraft(type: type, channel: channel, message: message),
            by: try global.signedIn(store))
        let detail = try store.detail(order)
        if global.json {
            try Output.json(OrderJSON(detail))
        } else {
            print("logged \(type.rawValue) by \(channel.rawValue) on \(detail.order.orderNumber)")
        }
    }
}
