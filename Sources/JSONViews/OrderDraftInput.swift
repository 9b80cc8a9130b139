import OrderDomain
import SyncCore

/// An order given as JSON (`kct orders create --from-json`, `POST /api/orders` of the node's
/// local API). Amounts are decimal strings ("899.00"), never JSON numbers, so nothing passes
/// through floating point; unknown fields are refused.
///
///     {"customer_name": "Jane Doe", "customer_email": "jane@example.com", "customer_phone": "+1 555 0100",
///      "priority": "wedding_party", "currency": "USD", "tax_amount": "84.50", "shipping_amount": "15.00",
///      "needed_by": "2026-12-24", "shipping_address": {...}, "billing_address": {...}, "notes": "...",
///      "items": [{"product_name": "Navy Suit", "product_source": "catalog", "size": "40R", "color": "navy",
///                 "custom_measurements": {"chest": 40}, "quantity": 1, "unit_price": "899.00"}]}
package enum OrderDraftInput {
    package static let orderKeys: Set<String> = [
        "customer_name", "customer_email", "customer_phone", "priority", "currency", "tax_amount", "shipping_amount",
        "needed_by", "shipping_address", "billing_address", "notes", "items",
    ]
    package static let itemKeys: Set<String> = [
        "product_name", "product_source", "size", "color", "custom_measurements", "quantity", "unit_price",
    ]

    /// One order object as SyncCore's strict parser reads it (`JSONValue.parse`: duplicate keys
    /// refused). A value of the wrong JSON type is an error naming its field, never dropped.
    package static func draft(_ members: [String: JSONValue], label: String) throws(OrderInputError) -> OrderDraft {
        let object = InputObject(members: members, label: label)
        try object.refuseUnknown(orderKeys)
        let currency: Currency
        do { currency = try Currency(code: try object.string("currency") ?? "USD") } catch {
            throw OrderInputError("\(label): \(error)", field: "currency")
        }
        guard case .array(let items)? = members["items"] else {
            throw OrderInputError("\(label): items must be an array of objects", field: "items")
        }
        var priority = OrderPriority.normal
        if let name = try object.string("priority") {
            guard let parsed = OrderPriority(parsing: name) else {
                let names = OrderPriority.allCases.map(\.rawValue).joined(separator: ", ")
                throw OrderInputError("\(label): priority '\(name)' is not one of: \(names)", field: "priority")
            }
            priority = parsed
        }
        var itemDrafts: [ItemDraft] = []
        for (index, item) in items.enumerated() {
            let itemLabel = "\(label).items[\(index)]"
            guard case .object(let itemMembers) = item else {
                throw OrderInputError("\(itemLabel) is not an object", field: "items")
            }
            itemDrafts.append(try self.item(InputObject(members: itemMembers, label: itemLabel), currency: currency))
        }
        return OrderDraft(
            customer: Customer(
                name: try object.string("customer_name") ?? "", email: try object.string("customer_email") ?? "",
                phone: try object.string("customer_phone")),
            items: itemDrafts, priority: priority, currency: currency,
            tax: try object.money("tax_amount", currency: currency),
            shipping: try object.money("shipping_amount", currency: currency),
            neededBy: try object.string("needed_by").map { value throws(OrderInputError) in
                do { return try CalendarDate(parsing: value) } catch {
                    throw OrderInputError("\(label): \(error)", field: "needed_by")
                }
            },
            shippingAddress: try object.document("shipping_address"),
            billingAddress: try object.document("billing_address"), notes: try object.string("notes"))
    }

    /// One item object (`POST /api/orders/:ref/items` takes one alone).
    package static func item(
        _ members: [String: JSONValue], currency: Currency, label: String
    ) throws(OrderInputError) -> ItemDraft {
        try item(InputObject(members: members, label: label), currency: currency)
    }

    static func item(_ object: InputObject, currency: Currency) throws(OrderInputError) -> ItemDraft {
        try object.refuseUnknown(itemKeys)
        guard case .string(let price)? = object.members["unit_price"] else {
            throw OrderInputError(
                "\(object.label): unit_price must be a decimal string such as \"899.00\"", field: "unit_price")
        }
        let quantity: Int
        switch object.members["quantity"] {
        case nil: quantity = 1
        case .integer(let number)? where Int(exactly: number) != nil: quantity = Int(number)
        default: throw OrderInputError("\(object.label): quantity must be a whole number", field: "quantity")
        }
        var source = ProductSource.catalog
        if let name = try object.string("product_source") {
            guard let parsed = ProductSource(rawValue: name) else {
                throw OrderInputError(
                    "\(object.label): product_source '\(name)' is not catalog or custom", field: "product_source")
            }
            source = parsed
        }
        return ItemDraft(
            productName: try object.string("product_name") ?? "", productSource: source,
            size: try object.string("size"), color: try object.string("color"),
            customMeasurements: try object.document("custom_measurements"), quantity: quantity,
            unitPrice: try money(price, currency: currency, field: "\(object.label): unit_price"))
    }

    /// Changes to an item (`PATCH /api/orders/:ref/items/:item`): any of `itemKeys`; null or ""
    /// clears `size`, `color` and `custom_measurements`.
    package static func itemPatch(
        _ members: [String: JSONValue], currency: Currency, label: String
    ) throws(OrderInputError) -> ItemPatch {
        let object = InputObject(members: members, label: label)
        try object.refuseUnknown(itemKeys)
        /// A string, "" for null (which clears), nil when absent.
        func text(_ key: String) throws(OrderInputError) -> String? {
            if case .null? = members[key] { return "" }
            return try object.string(key)
        }
        var patch = ItemPatch(productName: try text("product_name"), size: try text("size"), color: try text("color"))
        if case .null? = members["custom_measurements"] {
            patch.customMeasurements = ""
        } else {
            patch.customMeasurements = try object.document("custom_measurements")
        }
        switch members["quantity"] {
        case nil: break
        case .integer(let number)? where Int(exactly: number) != nil: patch.quantity = Int(number)
        default: throw OrderInputError("\(label): quantity must be a whole number", field: "quantity")
        }
        if let name = try text("product_source") {
            guard let source = ProductSource(rawValue: name) else {
                throw OrderInputError(
                    "\(label): product_source '\(name)' is not catalog or custom", field: "product_source")
            }
            patch.productSource = source
        }
        if let price = try text("unit_price") {
            patch.unitPrice = try money(price, currency: currency, field: "\(label): unit_price")
        }
        guard !patch.isEmpty else {
            throw OrderInputError(
                "\(label): give at least one field to change (\(itemKeys.sorted().joined(separator: ", ")))")
        }
        return patch
    }

    /// A decimal amount in `currency`, e.g. "899.00".
    package static func money(_ text: String, currency: Currency, field: String) throws(OrderInputError) -> Money {
        do { return try Money(parsing: text, currency: currency) } catch {
            throw OrderInputError("\(field): \(error)", field: field.split(separator: " ").last.map(String.init))
        }
    }
}

/// The members of one input object, read by type; `label` names the object in errors.
struct InputObject {
    let members: [String: JSONValue]
    let label: String

    func refuseUnknown(_ known: Set<String>) throws(OrderInputError) {
        let unknown = Set(members.keys).subtracting(known)
        guard unknown.isEmpty else {
            throw OrderInputError(
                "\(label): unknown field(s) \(unknown.sorted().joined(separator: ", "))", field: unknown.min())
        }
    }

    /// A string member; nil when absent or null.
    func string(_ key: String) throws(OrderInputError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?:
            throw OrderInputError("\(label): \(key) must be a string, not \(other.typeName)", field: key)
        }
    }

    /// A decimal-string amount; nil when absent or null.
    func money(_ key: String, currency: Currency) throws(OrderInputError) -> Money? {
        guard let text = try string(key) else { return nil }
        return try OrderDraftInput.money(text, currency: currency, field: "\(label): \(key)")
    }

    /// A JSON object member (an address, measurements), given as an object or as a string
    /// holding one; its canonical text, or nil when absent or null.
    func document(_ key: String) throws(OrderInputError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .object?: return members[key]!.canonicalString
        case let other?:
            throw OrderInputError("\(label): \(key) must be a JSON object, not \(other.typeName)", field: key)
        }
    }
}

/// Why a JSON order (or order patch) was refused: one sentence naming the field, and the
/// field's snake_case name when it is about one (the web app shows the message beside it).
package struct OrderInputError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package let field: String?

    package init(_ description: String, field: String? = nil) {
        self.description = description
        self.field = field
    }
}
