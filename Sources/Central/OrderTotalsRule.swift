import OrderDomain
import SyncCore

/// The derived-fields rule central passes to the merge: item `total_price` and order
/// `subtotal_amount` / `total_amount`, computed by OrderDomain's money rules from the merged rows.
package enum OrderTotalsRule {
    package static let rule: DerivedFieldsRule = { order, items in
        guard let order, case .text(let code)? = order.fields["currency"]?.value,
            let currency = try? Currency(code: code)
        else { return [:] }
        var result: [RowKey: [String: FieldValue]] = [:]
        var lines: [(quantity: Int, unitPrice: Money)] = []
        for item in items {
            guard case .integer(let quantity)? = item.fields["quantity"]?.value,
                case .integer(let price)? = item.fields["unit_price"]?.value,
                let count = Int(exactly: quantity)
            else { continue }
            let unitPrice = Money(minorUnits: price, currency: currency)
            guard let total = try? unitPrice.multiplied(by: count) else { continue }
            result[item.key] = ["total_price": .integer(total.minorUnits)]
            lines.append((count, unitPrice))
        }
        let tax = amount(order, "tax_amount", currency)
        let shipping = amount(order, "shipping_amount", currency)
        // Amounts too large to add stay without totals rather than wrap; validation bounds them.
        if let totals = try? OrderTotals(lines: lines, tax: tax, shipping: shipping, currency: currency) {
            result[order.key] = [
                "subtotal_amount": .integer(totals.subtotal.minorUnits),
                "total_amount": .integer(totals.total.minorUnits),
            ]
        }
        return result
    }

    private static func amount(_ order: RowState, _ field: String, _ currency: Currency) -> Money {
        guard case .integer(let minor)? = order.fields[field]?.value else { return .zero(currency) }
        return Money(minorUnits: minor, currency: currency)
    }
}
