import Foundation
import JSONViews
import OrderDomain
import SyncCore

/// The `--from-json` document: one order object, or an array of them. Amounts are decimal
/// strings ("899.00"), never JSON numbers, so nothing passes through floating point.
///
///     {"customer_name": "Jane Doe", "customer_email": "jane@example.com", "customer_phone": "+1 555 0100",
///      "priority": "wedding_party", "currency": "USD", "tax_amount": "84.50", "shipping_amount": "15.00",
///      "needed_by": "2026-12-24", "shipping_address": {...}, "billing_address": {...}, "notes": "...",
///      "items": [{"product_name": "Navy Suit", "product_source": "catalog", "size": "40R", "color": "navy",
///                 "custom_measurements": {"chest": 40}, "quantity": 1, "unit_price": "899.00"}]}
enum OrderInput {
    static func read(_ source: String) throws -> [OrderDraft] {
        let data: Data
        if source == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: source) else {
                throw CLIError("cannot read '\(source)'")
            }
            data = contents
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw CLIError("'\(source)' is not JSON: \(error)")
        }
        if case .object(let object) = document { return [try draft(object, label: source)] }
        guard case .array(let array) = document, !array.isEmpty else {
            throw CLIError("'\(source)' must hold an order object or a non-empty array of them")
        }
        return try array.enumerated().map { index, element in
            guard case .object(let object) = element else { throw CLIError("\(source)[\(index)] is not an object") }
            return try draft(object, label: "\(source)[\(index)]")
        }
    }

    /// One order object, with errors as this tool reports them.
    static func draft(_ object: [String: JSONValue], label: String) throws -> OrderDraft {
        do { return try OrderDraftInput.draft(object, label: label) } catch { throw CLIError("\(error)") }
    }
}
