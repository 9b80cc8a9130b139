import ArgumentParser
import Foundation
import JSONViews
import OrderDomain
import Store
import SyncCore

struct OrdersUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change an order's customer details, addresses, notes, needed-by date, tax or shipping.",
        discussion: "An empty value clears an optional field (--phone '' --needed-by ''). Totals are recomputed.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String
    @Option(help: "Customer's full name.") var customer: String?
    @Option(help: "Customer's e-mail address.") var email: String?
    @Option(help: "Customer's phone number.") var phone: String?
    @Option(
        name: .customLong("shipping-address"),
        help: ArgumentHelp(
            "Shipping address as a JSON object or key=value pairs: 'line1=1 Main St,city=Kansas "
                + "City,postal_code=64105,country=US'.",
            valueName: "address"))
    var shippingAddress: String?
    @Option(
        name: .customLong("billing-address"),
        help: ArgumentHelp("Billing address, as --shipping-address.", valueName: "address"))
    var billingAddress: String?
    @Option(help: "Notes for the team.") var notes: String?
    @Option(
        name: .customLong("needed-by"),
        help: ArgumentHelp("Event date the order is needed by.", valueName: "YYYY-MM-DD"))
    var neededBy: String?
    @Option(help: ArgumentHelp("Tax amount.", valueName: "amount")) var tax: String?
    @Option(help: ArgumentHelp("Shipping amount.", valueName: "amount")) var shipping: String?

    func validate() throws {
        let given: [String?] = [
            customer, email, phone, shippingAddress, billingAddress, notes, neededBy, tax, shipping,
        ]
        guard given.contains(where: { $0 != nil }) else { throw ValidationError("give at least one field to change") }
    }

    func run() throws {
        let store = try global.openStore()
        let currency = try store.currency(of: order)
        let patch = OrderPatch(
            customerName: customer, customerEmail: email, customerPhone: phone,
            shippingAddress: try shippingAddress.map(Self.address),
            billingAddress: try billingAddress.map(Self.address),
            notes: notes,
            neededBy: try neededBy.map { text -> CalendarDate? in text.isEmpty ? nil : try CalendarDate(parsing: text)
            },
            tax: try tax.map { try ItemSpec.money($0, currency: currency, field: "tax") },
            shipping: try shipping.map { try ItemSpec.money($0, currency: currency, field: "shipping") })
        let updated = try store.updateOrder(order, patch, by: try global.signedIn(store))
        if global.json {
            try Output.json(OrderJSON(try store.detail(updated.id)))
        } else {
            print("updated \(updated.orderNumber)  total \(Output.money(updated.total))")
        }
    }

    /// A JSON object as given, or `key=value,key=value` turned into one.
    static func address(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("{") { return trimmed }
        var object: [String: JSONValue] = [:]
        for part in trimmed.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else {
                throw CLIError("address '\(text)': expected key=value pairs separated by commas, or a JSON object")
            }
            object[pair[0]] = .string(pair[1])
        }
        return JSONValue.object(object).canonicalString
    }
}
