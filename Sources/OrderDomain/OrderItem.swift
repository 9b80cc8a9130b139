/// Where an item's product comes from.
package enum ProductSource: String, CaseIterable, Codable, Sendable {
    /// A stock product from KCT's catalogue.
    case catalog
    /// Made to measure by KCT's tailors.
    case custom
}

/// One line of an order as entered: a product, its variant and its price. The line total is
/// derived (`quantity × unit_price`), never entered.
package struct ItemDraft: Hashable, Sendable {
    package static let maximumQuantity = 999

    package var productName: String
    package var productSource: ProductSource
    package var size: String?
    package var color: String?
    /// A JSON object, e.g. `{"chest":40,"waist":34}`.
    package var customMeasurements: String?
    package var quantity: Int
    package var unitPrice: Money

    package init(
        productName: String, productSource: ProductSource = .catalog, size: String? = nil,
        color: String? = nil, customMeasurements: String? = nil, quantity: Int = 1, unitPrice: Money
    ) {
        self.productName = productName
        self.productSource = productSource
        self.size = size
        self.color = color
        self.customMeasurements = customMeasurements
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    /// Trims and checks every field; measurements are re-encoded canonically.
    package func validated() throws(OrderValidationError) -> ItemDraft {
        var item = self
        item.productName = productName.trimmingWhitespace()
        guard !item.productName.isEmpty else { throw .missingField("product_name") }
        guard item.productName.count <= 255 else { throw .tooLong(field: "product_name", limit: 255) }
        item.size = try TextField.optional(size, field: "size", limit: 20)
        item.color = try TextField.optional(color, field: "color", limit: 50)
        if let measurements = customMeasurements?.trimmingWhitespace(), !measurements.isEmpty {
            item.customMeasurements = try JSONObjectText.validated(measurements, field: "custom_measurements")
        } else {
            item.customMeasurements = nil
        }
        guard (1...Self.maximumQuantity).contains(quantity) else { throw .invalidQuantity(quantity) }
        guard unitPrice.minorUnits >= 0 else { throw .money(field: "unit_price", .negative(unitPrice.decimalString)) }
        _ = try totalPrice()
        return item
    }

    /// `quantity × unit_price`.
    package func totalPrice() throws(OrderValidationError) -> Money {
        do {
            return try unitPrice.multiplied(by: quantity)
        } catch {
            throw .money(field: "total_price", error)
        }
    }
}

/// Changes to an existing item; nil leaves a field as it is. `clearSize`-style removal is done by
/// passing an empty string, which validation turns into "no value".
package struct ItemPatch: Hashable, Sendable {
    package var productName: String?
    package var productSource: ProductSource?
    package var size: String?
    package var color: String?
    package var customMeasurements: String?
    package var quantity: Int?
    package var unitPrice: Money?

    package init(
        productName: String? = nil, productSource: ProductSource? = nil, size: String? = nil,
        color: String? = nil, customMeasurements: String? = nil, quantity: Int? = nil, unitPrice: Money? = nil
    ) {
        self.productName = productName
        self.productSource = productSource
        self.size = size
        self.color = color
        self.customMeasurements = customMeasurements
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    package var isEmpty: Bool {
        productName == nil && productSource == nil && size == nil && color == nil
            && customMeasurements == nil && quantity == nil && unitPrice == nil
    }

    /// The item after the patch, validated as a whole.
    package func applied(to item: ItemDraft) throws(OrderValidationError) -> ItemDraft {
        var result = item
        if let productName { result.productName = productName }
        if let productSource { result.productSource = productSource }
        if let size { result.size = size }
        if let color { result.color = color }
        if let customMeasurements { result.customMeasurements = customMeasurements }
        if let quantity { result.quantity = quantity }
        if let unitPrice {
            guard unitPrice.currency == item.unitPrice.currency else {
                throw .money(
                    field: "unit_price", .currencyMismatch(item.unitPrice.currency.code, unitPrice.currency.code))
            }
            result.unitPrice = unitPrice
        }
        return try result.validated()
    }
}
