import ArgumentParser
import Foundation
import JSONViews
import OrderDomain
import Store

struct OrdersCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an order (or several, from a JSON file).",
        discussion: """
            Give the customer and one --item per line, or --from-json FILE (or - for stdin) holding one \
            order object or an array of them (see examples/orders.json). Subtotal and total are \
            computed from the items, tax and shipping. Orders from a file are all checked before \
            any is saved.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Customer's full name.") var customer: String?
    @Option(help: "Customer's e-mail address.") var email: String?
    @Option(help: "Customer's phone number.") var phone: String?
    @Option(
        name: .customLong("item"),
        help: ArgumentHelp(
            "An item: 'name=Navy Suit,qty=1,price=899.00,size=40R,color=navy' (also source=catalog|custom, "
                + "measurements=chest:40;waist:34). Repeatable.",
            valueName: "spec"))
    var items: [String] = []
    @Option(help: "Priority.") var priority: OrderPriority = .normal
    @Option(help: "ISO currency code (amounts use its decimals; JPY has none).") var currency = "USD"
    @Option(help: ArgumentHelp("Tax amount, e.g. 84.50.", valueName: "amount")) var tax: String?
    @Option(help: ArgumentHelp("Shipping amount, e.g. 15.00.", valueName: "amount")) var shipping: String?
    @Option(
        name: .customLong("needed-by"),
        help: ArgumentHelp("Event date the order is needed by.", valueName: "YYYY-MM-DD"))
    var neededBy: String?
    @Option(help: "Notes for the team.") var notes: String?
    @Option(
        name: .customLong("from-json"),
        help: ArgumentHelp("Read the order(s) from a JSON file, or - for stdin.", valueName: "file"))
    var fromJSON: String?

    func validate() throws {
        if fromJSON != nil {
            guard customer == nil, email == nil, phone == nil, items.isEmpty, tax == nil, shipping == nil,
                neededBy == nil, notes == nil
            else {
                throw ValidationError("--from-json cannot be combined with the order's own options")
            }
        } else {
            guard customer != nil, email != nil else {
                throw ValidationError("give --customer and --email (or --from-json)")
            }
            guard !items.isEmpty else { throw ValidationError("give at least one --item (or --from-json)") }
        }
    }

    func drafts() throws -> [OrderDraft] {
        if let fromJSON { return try OrderInput.read(fromJSON) }
        let currency: Currency
        do { currency = try Currency(code: self.currency) } catch { throw CLIError("\(error)") }
        return [
            OrderDraft(
                customer: Customer(name: customer ?? "", email: email ?? "", phone: phone),
                items: try items.map { try ItemSpec($0).draft(currency: currency) },
                priority: priority, currency: currency,
                tax: try tax.map { try ItemSpec.money($0, currency: currency, field: "tax") },
                shipping: try shipping.map { try ItemSpec.money($0, currency: currency, field: "shipping") },
                neededBy: try neededBy.map { try CalendarDate(parsing: $0) }, notes: notes)
        ]
    }

    func run() throws {
        let drafts = try drafts()
        // Check every draft before saving any, so a bad entry in a file saves nothing.
        for (index, draft) in drafts.enumerated() {
            do { _ = try draft.validated() } catch {
                throw CLIError(drafts.count > 1 ? "order \(index + 1): \(error)" : error.description)
            }
        }
        let store = try global.openStore()
        let actor = try global.signedIn(store)
        var created: [OrderDetail] = []
        for draft in drafts {
            let order = try store.createOrder(draft, by: actor)
            if global.json {
                created.append(try store.detail(order.id))
            } else {
                // One line per order as soon as it is durably saved, so whoever reads the
                // output knows exactly what was saved even if the process dies mid-batch.
                print("created \(order.orderNumber)  \(Output.money(order.total))  \(order.id)")
                fflush(nil)
            }
        }
        if global.json {
            if fromJSON != nil {
                try Output.json(created.map(OrderJSON.init))
            } else {
                try Output.json(OrderJSON(created[0]))
            }
        }
    }
}
