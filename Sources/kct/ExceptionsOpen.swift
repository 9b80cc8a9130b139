import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct ExceptionsOpen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Record an exception against an order.",
        discussion:
            "The order's status is not changed; move it with `kct orders status ORDER exception` if work must stop.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Option(help: "Kind of problem, e.g. wrong_measurement, fabric_damage, address_invalid.") var type: String
    @Option(help: "How bad it is.") var severity: ExceptionSeverity = .medium
    @Option(help: "What happened.") var description: String?
    @Flag(name: .customLong("customer-notified"), help: "The customer has been told.") var customerNotified = false

    func run() throws {
        let store = try global.openStore()
        let exception = try store.openException(
            on: order,
            ExceptionDraft(
                type: type, severity: severity, description: description, customerNotified: customerNotified),
            by: try global.signedIn(store))
        if global.json {
            try Output.json(ExceptionJSON(exception))
        } else {
            print(
                "opened exception \(exception.id.prefix(8)) (\(exception.type), \(exception.severity.rawValue)) on "
                    + "\(try store.order(exception.orderID).orderNumber)"
            )
        }
    }
}
