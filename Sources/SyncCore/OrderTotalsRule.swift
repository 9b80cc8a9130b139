import OrderDomain

/// The derived amounts of a merged order, by OrderDomain's money rules: each item's
/// `total_price` (quantity × unit price) and the order's `subtotal_amount` / `total_amount`.
/// Central (`CentralStore.derivedFields`, `OrderFacts`) and the node (its typed tables) both compute them here.
///
/// - An item needs a `unit_price`; its `quantity` is 1 when no change set it, as is the
///   typed table's default. Tax and shipping are 0 when unset.
/// - An amount beyond OrderDomain's money limit (only reachable by pushing items close to the
///   limit of each amount) is **0**: the item's `total_price`, and the order's subtotal and total
///   whenever any part of their sum is out of range. Every replica shows the same 0 instead of
///   leaving the amount out on one side and wrapping or trapping on another.
/// - Without a known `currency` there is nothing to compute.
package enum OrderTotalsRule {
    package static let rule: DerivedFieldsRule = { order, items in derive(order: order, items: items) }

    package static func derive(order: RowState?, items: [RowState]) -> [RowKey: [String: FieldValue]] {
        guard let order, case .text(let code)? = order.fields["currency"]?.value,
            let currency = try? Currency(code: code)
        else { return [:] }
        var result: [RowKey: [String: FieldValue]] = [:]
        var lines: [(quantity: Int, unitPrice: Money)] = []
        for item in items {
            guard let line = line(of: item, currency: currency) else { continue }
            result[item.key] = ["total_price": .integer(total(of: line))]
            lines.append(line)
        }
        let totals = try? OrderTotals(
            lines: lines, tax: amount(order, "tax_amount", currency),
            shipping: amount(order, "shipping_amount", currency), currency: currency)
        result[order.key] = [
            "subtotal_amount": .integer(totals?.subtotal.minorUnits ?? 0),
            "total_amount": .integer(totals?.total.minorUnits ?? 0),
        ]
        return result
    }

    /// One item's `total_price` alone (a node re-projecting only the items a pull touched);
    /// nil without a unit price.
    package static func itemTotal(of item: RowState, currency: Currency) -> Int64? {
        line(of: item, currency: currency).map(total(of:))
    }

    private static func line(of item: RowState, currency: Currency) -> (quantity: Int, unitPrice: Money)? {
        guard case .integer(let price)? = item.fields["unit_price"]?.value else { return nil }
        var quantity: Int64 = 1
        if case .integer(let set)? = item.fields["quantity"]?.value { quantity = set }
        return (Int(exactly: quantity) ?? Int.max, Money(minorUnits: price, currency: currency))
    }

    private static func total(of line: (quantity: Int, unitPrice: Money)) -> Int64 {
        (try? line.unitPrice.multiplied(by: line.quantity))?.minorUnits ?? 0
    }

    private static func amount(_ order: RowState, _ field: String, _ currency: Currency) -> Money {
        guard case .integer(let minor)? = order.fields[field]?.value else { return .zero(currency) }
        return Money(minorUnits: minor, currency: currency)
    }
}
