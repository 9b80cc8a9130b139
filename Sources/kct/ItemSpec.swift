import Foundation
import OrderDomain
import SyncCore

/// Parses `--item 'name=Navy Suit,qty=1,price=899.00,size=40R,color=navy'`.
///
/// Keys: name, qty, price, size, color, source (catalog|custom) and measurements, written
/// `measurements=chest:40;waist:34` (commas separate the keys) or as a JSON object. Keys are
/// case-insensitive; a value may contain `=`.
struct ItemSpec {
    static let keys = ["name", "qty", "price", "size", "color", "source", "measurements"]
    static let aliases = [
        "product": "name", "product_name": "name", "quantity": "qty", "unit_price": "price", "product_source": "source",
    ]

    /// Field values by key, checked for unknown and repeated keys.
    let values: [String: String]

    init(_ text: String) throws {
        var values: [String: String] = [:]
        for part in Self.split(text) where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let equals = part.firstIndex(of: "=") else {
                throw CLIError(
                    "item '\(text)': '\(part)' is not key=value (keys: \(Self.keys.joined(separator: ", ")))")
            }
            let rawKey = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let key = Self.aliases[rawKey] ?? rawKey
            guard Self.keys.contains(key) else {
                throw CLIError("item '\(text)': unknown key '\(rawKey)' (keys: \(Self.keys.joined(separator: ", ")))")
            }
            guard values[key] == nil else { throw CLIError("item '\(text)': '\(key)' given twice") }
            values[key] = String(part[part.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        self.values = values
    }

    /// Splits on commas outside `{...}`, so a JSON measurements object may contain commas.
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "{" { depth += 1 }
            if character == "}" { depth = max(0, depth - 1) }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    /// A complete item for `orders create` / `orders item add`: name and price are required.
    func draft(currency: Currency) throws -> ItemDraft {
        guard let name = values["name"], !name.isEmpty else {
            throw CLIError("item needs name=... (e.g. name=Navy Suit,price=899.00)")
        }
        guard let priceText = values["price"] else {
            throw CLIError("item '\(name)' needs price=... (e.g. price=899.00)")
        }
        return ItemDraft(
            productName: name, productSource: try source() ?? .catalog, size: values["size"], color: values["color"],
            customMeasurements: try measurements(), quantity: try quantity() ?? 1,
            unitPrice: try Self.money(priceText, currency: currency, field: "price"))
    }

    /// The fields given, for `orders item update`.
    func patch(currency: Currency) throws -> ItemPatch {
        ItemPatch(
            productName: values["name"], productSource: try source(), size: values["size"], color: values["color"],
            customMeasurements: try measurements(), quantity: try quantity(),
            unitPrice: try values["price"].map { try Self.money($0, currency: currency, field: "price") })
    }

    func quantity() throws -> Int? {
        guard let text = values["qty"] else { return nil }
        guard let quantity = Int(text) else { throw CLIError("qty '\(text)' is not a whole number") }
        return quantity
    }

    func source() throws -> ProductSource? {
        guard let text = values["source"] else { return nil }
        guard let source = ProductSource(rawValue: text.lowercased()) else {
            throw CLIError(
                "source '\(text)' is not one of: \(ProductSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return source
    }

    /// `chest:40;waist:34` → `{"chest":40,"waist":34}`; a JSON object passes through; empty clears.
    func measurements() throws -> String? {
        guard let text = values["measurements"] else { return nil }
        if text.isEmpty || text.hasPrefix("{") { return text }
        var object: [String: JSONValue] = [:]
        for pair in text.split(separator: ";") {
            let parts = pair.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CLIError(
                    "measurements '\(text)': expected name:value pairs separated by ';' (e.g. chest:40;waist:34)")
            }
            if let number = Double(parts[1]), number.isFinite {
                let whole = number.rounded() == number && number.magnitude < 1e15
                object[parts[0]] = whole ? .integer(Int64(number)) : .real(number)
            } else {
                object[parts[0]] = .string(parts[1])
            }
        }
        return JSONValue.object(object).canonicalString
    }

    static func money(_ text: String, currency: Currency, field: String) throws -> Money {
        do { return try Money(parsing: text, currency: currency) } catch { throw CLIError("\(field): \(error)") }
    }
}
