import Foundation
import OrderDomain

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

    package static func draft(_ object: [String: Any], label: String) throws -> OrderDraft {
        let unknown = Set(object.keys).subtracting(orderKeys)
        guard unknown.isEmpty else {
            throw OrderInputError("\(label): unknown field(s) \(unknown.sorted().joined(separator: ", "))")
        }
        func text(_ key: String) throws -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let string = value as? String else {
                throw OrderInputError("\(label): \(key) must be a string", field: key)
            }
            return string
        }
        let currency: Currency
        do { currency = try Currency(code: try text("currency") ?? "USD") } catch {
            throw OrderInputError("\(label): \(error)", field: "currency")
        }
        guard let items = object["items"] as? [[String: Any]] else {
            throw OrderInputError("\(label): items must be an array of objects", field: "items")
        }
        var priority = OrderPriority.normal
        if let name = try text("priority") {
            guard let parsed = OrderPriority(parsing: name) else {
                throw OrderInputError(
                    "\(label): priority '\(name)' is not one of: "
                        + OrderPriority.allCases.map(\.rawValue).joined(separator: ", "),
                    field: "priority")
            }
            priority = parsed
        }
        return OrderDraft(
            customer: Customer(
                name: try text("customer_name") ?? "", email: try text("customer_email") ?? "",
                phone: try text("customer_phone")),
            items: try items.enumerated().map { index, item in
                try self.item(item, currency: currency, label: "\(label).items[\(index)]")
            },
            priority: priority, currency: currency,
            tax: try text("tax_amount").map { try money($0, currency: currency, field: "\(label): tax_amount") },
            shipping: try text("shipping_amount").map {
                try money($0, currency: currency, field: "\(label): shipping_amount")
            },
            neededBy: try text("needed_by").map { value in
                do { return try CalendarDate(parsing: value) } catch {
                    throw OrderInputError("\(label): \(error)", field: "needed_by")
                }
            },
            shippingAddress: try document(object["shipping_address"], key: "shipping_address", label: label),
            billingAddress: try document(object["billing_address"], key: "billing_address", label: label),
            notes: try text("notes"))
    }

    package static func item(_ object: [String: Any], currency: Currency, label: String) throws -> ItemDraft {
        let unknown = Set(object.keys).subtracting(itemKeys)
        guard unknown.isEmpty else {
            throw OrderInputError("\(label): unknown field(s) \(unknown.sorted().joined(separator: ", "))")
        }
        guard let price = object["unit_price"] as? String else {
            throw OrderInputError(
                "\(label): unit_price must be a decimal string such as \"899.00\"", field: "unit_price")
        }
        let quantity: Int
        switch object["quantity"] {
        case nil: quantity = 1
        case let number as Int: quantity = number
        default: throw OrderInputError("\(label): quantity must be a whole number", field: "quantity")
        }
        var source = ProductSource.catalog
        if let name = object["product_source"] as? String {
            guard let parsed = ProductSource(rawValue: name) else {
                throw OrderInputError(
                    "\(label): product_source '\(name)' is not catalog or custom", field: "product_source")
            }
            source = parsed
        }
        return ItemDraft(
            productName: object["product_name"] as? String ?? "", productSource: source,
            size: object["size"] as? String, color: object["color"] as? String,
            customMeasurements: try document(object["custom_measurements"], key: "custom_measurements", label: label),
            quantity: quantity, unitPrice: try money(price, currency: currency, field: "\(label): unit_price"))
    }

    /// Changes to an item (`PATCH /api/orders/:ref/items/:item`): any of `itemKeys`; null or ""
    /// clears `size`, `color` and `custom_measurements`.
    package static func itemPatch(_ object: [String: Any], currency: Currency, label: String) throws -> ItemPatch {
        let unknown = Set(object.keys).subtracting(itemKeys)
        guard unknown.isEmpty else {
            throw OrderInputError("\(label): unknown field(s) \(unknown.sorted().joined(separator: ", "))")
        }
        func text(_ key: String) throws -> String? {
            switch object[key] {
            case nil: return nil
            case is NSNull: return ""
            case let value as String: return value
            default: throw OrderInputError("\(label): \(key) must be a string or null", field: key)
            }
        }
        var patch = ItemPatch(productName: try text("product_name"), size: try text("size"), color: try text("color"))
        if object["custom_measurements"] is NSNull {
            patch.customMeasurements = ""
        } else {
            patch.customMeasurements = try document(
                object["custom_measurements"], key: "custom_measurements", label: label)
        }
        switch object["quantity"] {
        case nil: break
        case let number as Int: patch.quantity = number
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
            patch.unitPrice = try money(price, currency: currency, field: "unit_price")
        }
        guard !patch.isEmpty else {
            throw OrderInputError(
                "\(label): give at least one field to change (\(itemKeys.sorted().joined(separator: ", ")))")
        }
        return patch
    }

    /// A JSON object field, given as an object (or as a string holding one).
    static func document(_ value: Any?, key: String, label: String) throws -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let object as [String: Any]:
            return String(
                decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        default: throw OrderInputError("\(label): \(key) must be a JSON object", field: key)
        }
    }

    /// A decimal amount in `currency`, e.g. "899.00".
    package static func money(_ text: String, currency: Currency, field: String) throws(OrderInputError) -> Money {
        do { return try Money(parsing: text, currency: currency) } catch {
            throw OrderInputError("\(field): \(error)", field: field.split(separator: " ").last.map(String.init))
        }
    }
}

/// Why a JSON order (or order patch) was refused: one sentence naming the field, and the
/// field's snake_case name when it is about one.
package struct OrderInputError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package let field: String?

    package init(_ description: String, field: String? = nil) {
        self.description = description
        self.field = field
    }
}
