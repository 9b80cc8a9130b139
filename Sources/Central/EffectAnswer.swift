import Integrations
import OrderDomain
import SyncCore

/// What one attempt at an effect came to, in central's terms (ProviderCalls.swift maps each
/// provider's answers onto it, following PROVIDERS.md).
enum EffectAttempt: Sendable {
    case succeeded(EffectAnswer)
    /// Transient (timeout, 5xx before acting, 429): try again later, after `after` if the
    /// provider said (Retry-After). `newKey`: reconciliation proved the call made nothing, so
    /// Stripe's next attempt uses the next Idempotency-Key (the old one would replay its 5xx).
    case retry(after: Duration?, message: String, newKey: Bool = false)
    /// The provider may have acted but central cannot tell (an answer lost where no key makes a
    /// retry safe): parked for an operator, and shown as such on the order.
    case unknown(message: String)
    /// Retrying cannot help: the provider's message.
    case failed(message: String)
    /// The provider is not configured at central.
    case notConfigured(IntegrationProvider)
}

/// A provider's answer to a successful call, reduced to what central records.
enum EffectAnswer: Sendable {
    case paymentIntent(id: String, status: String, amount: Int64, currency: String)
    case refund(id: String, status: String)
    case shipment(id: String, rates: [ShippingRate])
    case purchase(PurchasedLabel)
    /// The message SendGrid accepted (`X-Message-Id`), and the text sent.
    case mail(messageID: String?, subject: String, text: String)
}

struct ShippingRate: Sendable, Hashable {
    var id: String
    var carrier: String
    var service: String
    /// Minor units.
    var amount: Int64
    var currency: String
    var deliveryDays: Int?
}

struct PurchasedLabel: Sendable, Hashable {
    var shipmentID: String
    var rateID: String
    var labelURL: String
    var trackingCode: String
    var carrier: String
    var service: String
    /// Minor units.
    var cost: Int64
}

extension EffectAnswer {
    /// The provider's id of what was made.
    var providerRef: String? {
        switch self {
        case .paymentIntent(let id, _, _, _), .refund(let id, _), .shipment(let id, _): id
        case .purchase(let label): label.shipmentID
        case .mail(let messageID, _, _): messageID
        }
    }

    /// Kept in the ledger's `result` column (never card data or secrets).
    var json: [String: JSONValue] {
        switch self {
        case .paymentIntent(let id, let status, let amount, let currency):
            ["id": .string(id), "status": .string(status), "amount": .integer(amount), "currency": .string(currency)]
        case .refund(let id, let status):
            ["id": .string(id), "status": .string(status)]
        case .shipment(let id, let rates):
            [
                "id": .string(id),
                "rates": .array(
                    rates.map { rate in
                        .object([
                            "id": .string(rate.id), "carrier": .string(rate.carrier), "service": .string(rate.service),
                            "amount": .integer(rate.amount), "currency": .string(rate.currency),
                        ])
                    }),
            ]
        case .purchase(let label):
            [
                "shipment_id": .string(label.shipmentID), "rate_id": .string(label.rateID),
                "label_url": .string(label.labelURL), "tracking_code": .string(label.trackingCode),
                "carrier": .string(label.carrier), "service": .string(label.service), "cost": .integer(label.cost),
            ]
        case .mail(let messageID, let subject, _):
            ["message_id": messageID.map(JSONValue.string) ?? .null, "subject": .string(subject)]
        }
    }
}

/// Amounts in minor units as people read them (`979.00 USD`), by OrderDomain's money rules.
func formattedAmount(_ minor: Int64, _ currency: String) -> String {
    guard let currency = try? Currency(code: currency.uppercased()) else { return "\(minor) \(currency) minor units" }
    return Money(minorUnits: minor, currency: currency).description
}
