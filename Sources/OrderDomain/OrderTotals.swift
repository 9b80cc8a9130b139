/// An order's derived amounts. Subtotal is the sum of the item totals; total adds tax and
/// shipping. Computed here from the items and never typed in or synced as values of their own.
package struct OrderTotals: Hashable, Sendable {
    package let subtotal: Money
    package let tax: Money
    package let shipping: Money
    package let total: Money

    /// `lines` are `(quantity, unit price)` pairs; every amount must be in `currency`.
    package init(lines: [(quantity: Int, unitPrice: Money)], tax: Money, shipping: Money, currency: Currency)
        throws(OrderValidationError)
    {
        var subtotal = Money.zero(currency)
        do {
            for line in lines {
                subtotal = try subtotal.adding(try line.unitPrice.multiplied(by: line.quantity))
            }
        } catch {
            throw .money(field: "subtotal_amount", error)
        }
        guard tax.currency == currency else {
            throw .money(field: "tax_amount", .currencyMismatch(currency.code, tax.currency.code))
        }
        guard shipping.currency == currency else {
            throw .money(field: "shipping_amount", .currencyMismatch(currency.code, shipping.currency.code))
        }
        do {
            self.total = try subtotal.adding(tax).adding(shipping)
        } catch {
            throw .money(field: "total_amount", error)
        }
        self.subtotal = subtotal
        self.tax = tax
        self.shipping = shipping
    }

    package init(items: [ItemDraft], tax: Money, shipping: Money, currency: Currency) throws(OrderValidationError) {
        try self.init(
            lines: items.map { ($0.quantity, $0.unitPrice) }, tax: tax, shipping: shipping, currency: currency)
    }
}
