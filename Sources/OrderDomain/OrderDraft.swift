/// A new order as entered at a workstation, before it has an id or a number.
package struct OrderDraft: Hashable, Sendable {
    package var customer: Customer
    package var items: [ItemDraft]
    package var priority: OrderPriority
    package var currency: Currency
    package var tax: Money
    package var shipping: Money
    package var neededBy: CalendarDate?
    /// JSON objects.
    package var shippingAddress: String?
    package var billingAddress: String?
    package var notes: String?

    package init(
        customer: Customer, items: [ItemDraft], priority: OrderPriority = .normal, currency: Currency = .usd,
        tax: Money? = nil, shipping: Money? = nil, neededBy: CalendarDate? = nil,
        shippingAddress: String? = nil, billingAddress: String? = nil, notes: String? = nil
    ) {
        self.customer = customer
        self.items = items
        self.priority = priority
        self.currency = currency
        self.tax = tax ?? .zero(currency)
        self.shipping = shipping ?? .zero(currency)
        self.neededBy = neededBy
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.notes = notes
    }

    /// The draft with every field trimmed and checked, and its totals.
    package func validated() throws(OrderValidationError) -> (draft: OrderDraft, totals: OrderTotals) {
        var draft = self
        draft.customer = try customer.validated()
        guard !items.isEmpty else { throw .noItems }
        draft.items = []
        for item in items {
            guard item.unitPrice.currency == currency else {
                throw .money(field: "unit_price", .currencyMismatch(currency.code, item.unitPrice.currency.code))
            }
            draft.items.append(try item.validated())
        }
        guard tax.minorUnits >= 0 else { throw .money(field: "tax_amount", .negative(tax.decimalString)) }
        guard shipping.minorUnits >= 0 else {
            throw .money(field: "shipping_amount", .negative(shipping.decimalString))
        }
        draft.shippingAddress = try OrderPatch.validAddress(shippingAddress, field: "shipping_address")
        draft.billingAddress = try OrderPatch.validAddress(billingAddress, field: "billing_address")
        draft.notes = try TextField.optional(notes, field: "notes", limit: OrderPatch.notesLimit)
        let totals = try OrderTotals(items: draft.items, tax: draft.tax, shipping: draft.shipping, currency: currency)
        return (draft, totals)
    }
}

/// Changes to an order's own fields (not its status, priority or items, which have their own
/// edits). nil leaves a field as it is; an empty string clears an optional field.
package struct OrderPatch: Hashable, Sendable {
    package static let notesLimit = 2000

    package var customerName: String?
    package var customerEmail: String?
    package var customerPhone: String?
    package var shippingAddress: String?
    package var billingAddress: String?
    package var notes: String?
    /// `.some(nil)` clears the date.
    package var neededBy: CalendarDate??
    package var tax: Money?
    package var shipping: Money?

    package init(
        customerName: String? = nil, customerEmail: String? = nil, customerPhone: String? = nil,
        shippingAddress: String? = nil, billingAddress: String? = nil, notes: String? = nil,
        neededBy: CalendarDate?? = nil, tax: Money? = nil, shipping: Money? = nil
    ) {
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.customerPhone = customerPhone
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.notes = notes
        self.neededBy = neededBy
        self.tax = tax
        self.shipping = shipping
    }

    package var isEmpty: Bool {
        customerName == nil && customerEmail == nil && customerPhone == nil && shippingAddress == nil
            && billingAddress == nil && notes == nil && neededBy == nil && tax == nil && shipping == nil
    }

    /// The patch with every present field checked and normalised. An optional field being
    /// cleared is `.some(nil)` in the result.
    package func validated(currency: Currency) throws(OrderValidationError) -> ValidatedOrderPatch {
        var result = ValidatedOrderPatch()
        if let customerName { result.customerName = try Customer.validName(customerName) }
        if let customerEmail { result.customerEmail = try Customer.validEmail(customerEmail) }
        if let customerPhone { result.customerPhone = .some(try Customer.validPhone(customerPhone)) }
        if let shippingAddress {
            result.shippingAddress = .some(try Self.validAddress(shippingAddress, field: "shipping_address"))
        }
        if let billingAddress {
            result.billingAddress = .some(try Self.validAddress(billingAddress, field: "billing_address"))
        }
        if let notes { result.notes = .some(try TextField.optional(notes, field: "notes", limit: Self.notesLimit)) }
        result.neededBy = neededBy
        for (field, amount) in [("tax_amount", tax), ("shipping_amount", shipping)] {
            guard let amount else { continue }
            guard amount.currency == currency else {
                throw .money(field: field, .currencyMismatch(currency.code, amount.currency.code))
            }
            guard amount.minorUnits >= 0 else { throw .money(field: field, .negative(amount.decimalString)) }
        }
        result.tax = tax
        result.shipping = shipping
        return result
    }

    static func validAddress(_ text: String?, field: String) throws(OrderValidationError) -> String? {
        guard let trimmed = text?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
        return try JSONObjectText.validated(trimmed, field: field)
    }
}

/// An `OrderPatch` after validation; double optionals distinguish "clear" from "leave".
package struct ValidatedOrderPatch: Hashable, Sendable {
    package var customerName: String?
    package var customerEmail: String?
    package var customerPhone: String??
    package var shippingAddress: String??
    package var billingAddress: String??
    package var notes: String??
    package var neededBy: CalendarDate??
    package var tax: Money?
    package var shipping: Money?
}
