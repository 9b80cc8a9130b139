import Integrations
import OrderDomain
import SyncCore

/// Which provider calls an accepted change causes (issue 12). Pure: central records what it
/// returns in the same transaction that accepted the change. Effects of staff requests are
/// recorded whether or not their provider is configured (the runner then answers "not
/// configured"); automatic e-mails only when SendGrid is, so a central without integrations
/// records nothing for ordinary edits.
package struct EffectPlanner: Sendable {
    /// Providers configured at central.
    var configured: Set<IntegrationProvider>

    package init(configured: Set<IntegrationProvider>) { self.configured = configured }

    /// No provider configured: only staff requests and refunds are recorded.
    package static let unconfigured = EffectPlanner(configured: [])

    /// Whether `change` can cause anything at all: the cheap test run on every accepted change.
    package func mayCause(_ change: Change) -> Bool {
        switch (change.entity, change.operation) {
        case (.integrationRequest, .append): return true
        case (.order, .setStatus):
            guard case .text(let text)? = change.fields["status"], let status = OrderStatus(rawValue: text) else {
                return false
            }
            return status == .refunded
                || (configured.contains(.sendGrid) && CustomerEmail.sentOnEntering(status) != nil)
        case (.order, .setFields): return configured.contains(.sendGrid) && Self.createsOrder(change)
        default: return false
        }
    }

    /// The effects of `change`, accepted and merged into central's replica, where the order now
    /// reads as `order` (after the change).
    func effects(of change: Change, order: OrderFacts) -> [EffectDraft] {
        switch (change.entity, change.operation) {
        case (.integrationRequest, .append):
            return request(change, order: order).map { [$0] } ?? []
        case (.order, .setStatus):
            guard case .text(let text)? = change.fields["status"], let status = OrderStatus(rawValue: text),
                order.status == status
            else { return [] }
            var drafts: [EffectDraft] = []
            if status == .refunded, let intent = order.text("stripe_payment_intent_id") {
                // Cause = the order: one refund per order, whoever moves it and however often.
                drafts.append(
                    EffectDraft(
                        cause: "order:\(order.orderID)", kind: .refund, orderID: order.orderID, requestID: nil,
                        parameters: ["payment_intent": .string(intent), "order_id": .string(order.orderID)]))
            }
            if configured.contains(.sendGrid), let mail = CustomerEmail.sentOnEntering(status) {
                drafts.append(automaticMail(mail, order: order))
            }
            return drafts
        case (.order, .setFields):
            guard configured.contains(.sendGrid), Self.createsOrder(change) else { return [] }
            return [automaticMail(.orderConfirmation, order: order)]
        default:
            return []
        }
    }

    /// The set_fields that creates an order carries every field required on creation.
    static func createsOrder(_ change: Change) -> Bool {
        change.fields["order_number"] != nil && change.fields["customer_email"] != nil
            && change.fields["customer_name"] != nil && change.fields["currency"] != nil
    }

    private func automaticMail(_ mail: CustomerEmail, order: OrderFacts) -> EffectDraft {
        // Cause = the order and the template: once per order and kind; staff resend by hand.
        EffectDraft(
            cause: "order:\(order.orderID):\(mail.rawValue)", kind: .mail, orderID: order.orderID, requestID: nil,
            parameters: mailParameters(mail, order: order))
    }

    private func mailParameters(_ mail: CustomerEmail, order: OrderFacts) -> [String: JSONValue] {
        [
            "template": .string(mail.rawValue), "to": order.text("customer_email").map(JSONValue.string) ?? .null,
            "facts": .object(order.mailFacts),
        ]
    }

    private func request(_ change: Change, order: OrderFacts) -> EffectDraft? {
        guard case .text(let kindText)? = change.fields["request_kind"],
            let kind = IntegrationRequestKind(rawValue: kindText)
        else { return nil }
        let cause = "request:\(change.rowID)"
        func draft(_ kind: EffectKind, _ parameters: [String: JSONValue]) -> EffectDraft {
            EffectDraft(
                cause: cause, kind: kind, orderID: order.orderID, requestID: change.rowID, parameters: parameters)
        }
        switch kind {
        case .payment:
            return draft(
                .paymentIntent,
                [
                    "amount": order.total.map(JSONValue.integer) ?? .null, "currency": .string(order.currency),
                    "order_id": .string(order.orderID), "order_number": .string(order.orderNumber),
                    "customer_email": order.text("customer_email").map(JSONValue.string) ?? .null,
                ])
        case .shippingRates:
            return draft(
                .shipment,
                [
                    "order_id": .string(order.orderID), "order_number": .string(order.orderNumber),
                    "to_address": order.text("shipping_address").map(JSONValue.string) ?? .null,
                    "customer_name": order.text("customer_name").map(JSONValue.string) ?? .null,
                    "items": .array(
                        order.items.map {
                            .object(["product_name": .string($0.productName), "quantity": .integer($0.quantity)])
                        }),
                ])
        case .shippingLabel:
            return draft(
                .purchase,
                [
                    "order_id": .string(order.orderID),
                    "shipment_id": order.text("easypost_shipment_id").map(JSONValue.string) ?? .null,
                    "rate_id": change.fields["rate_id"].flatMap { value in
                        if case .text(let id) = value { return JSONValue.string(id) }
                        return nil
                    } ?? .null,
                ])
        case .email:
            guard case .text(let name)? = change.fields["template"], let mail = CustomerEmail(rawValue: name) else {
                return nil
            }
            return draft(.mail, mailParameters(mail, order: order))
        }
    }
}
