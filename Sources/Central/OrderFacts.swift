import OrderDomain
import SyncCore

/// An order as central's replica holds it at one moment, in the terms the effects need: who to
/// charge, ship to and write to, and for how much.
struct OrderFacts: Sendable {
    var orderID: String
    /// The order row's stored fields.
    var fields: [String: FieldValue]
    var status: OrderStatus
    var resumeStatus: OrderStatus?
    /// When the move into `status` was stamped (nil for the initial status).
    var enteredCurrentStatusMillis: UInt64?
    /// Live items, by line number.
    var items: [(productName: String, quantity: Int64, unitPrice: Int64)]
    /// The exact total in minor units (OrderDomain's totals), when the order has a currency.
    var total: Int64?

    init?(orderID: String, state: OrderMergeState) {
        guard let order = state.rows[RowKey(.order, orderID)], !order.isDeleted else { return nil }
        self.orderID = orderID
        fields = order.fields.mapValues(\.value)
        status = state.register.resolution.status
        resumeStatus = state.register.resolution.resumeStatus
        enteredCurrentStatusMillis = state.register.resolution.setBy?.stamp.hlc.millis
        let itemRows = state.rows.values.filter { $0.entity == .orderItem && !$0.isDeleted }.sorted { $0.key < $1.key }
        items = itemRows.compactMap { row in
            guard case .text(let name)? = row.fields["product_name"]?.value,
                case .integer(let quantity)? = row.fields["quantity"]?.value,
                case .integer(let price)? = row.fields["unit_price"]?.value
            else { return nil }
            return (name, quantity, price)
        }
        let derived = OrderTotalsRule.rule(order, itemRows)
        if case .integer(let total)? = derived[order.key]?["total_amount"] { self.total = total }
    }

    func text(_ name: String) -> String? {
        if case .text(let text)? = fields[name] { return text }
        return nil
    }

    func integer(_ name: String) -> Int64? {
        if case .integer(let number)? = fields[name] { return number }
        return nil
    }

    var orderNumber: String { text("order_number") ?? orderID }
    var currency: String { text("currency") ?? "USD" }

    /// What an e-mail about the order may say, as the template engine reads it.
    var mailFacts: [String: JSONValue] {
        var facts: [String: JSONValue] = [
            "order_id": .string(orderID), "order_number": .string(orderNumber), "status": .string(status.rawValue),
            "currency": .string(currency),
        ]
        for name in [
            "customer_name", "customer_email", "tracking_code", "carrier", "service_type", "shipping_label_url",
            "tracking_status",
        ] {
            if let value = text(name) { facts[name] = .string(value) }
        }
        if let total { facts["total_amount"] = .integer(total) }
        facts["items"] = .array(
            items.map { item in
                .object([
                    "product_name": .string(item.productName), "quantity": .integer(item.quantity),
                    "unit_price": .integer(item.unitPrice),
                ])
            })
        return facts
    }
}
