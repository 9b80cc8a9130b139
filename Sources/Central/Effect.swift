import Foundation
import Integrations
import SyncCore

/// One kind of provider call.
package enum EffectKind: String, CaseIterable, Sendable {
    /// Stripe: create a PaymentIntent for the order's total.
    case paymentIntent = "stripe_payment_intent"
    /// Stripe: refund the order's PaymentIntent in full.
    case refund = "stripe_refund"
    /// EasyPost: create a shipment for the order's parcel (answers with rates).
    case shipment = "easypost_shipment"
    /// EasyPost: buy one rate of the order's shipment.
    case purchase = "easypost_purchase"
    /// SendGrid: send one templated e-mail.
    case mail = "sendgrid_mail"

    package var provider: IntegrationProvider {
        switch self {
        case .paymentIntent, .refund: .stripe
        case .shipment, .purchase: .easyPost
        case .mail: .sendGrid
        }
    }
}

/// Where an effect is. `pending` effects are run (again) when due; the others are settled.
package enum EffectState: String, CaseIterable, Sendable {
    case pending
    case succeeded
    /// Retrying cannot help (refused by the provider, not configured, gave up): `message` says why.
    case failed
    /// The provider may or may not have acted and central cannot find out by itself.
    case unknown
    /// Stopped by an operator (`kct central effects cancel`).
    case cancelled
}

/// One row of the effects ledger.
package struct EffectRecord: Hashable, Sendable {
    /// `eff_…`: also the Idempotency-Key sent to Stripe.
    package var id: String
    /// What caused it: `request:<row id>` (a staff request), `order:<order id>` (once per order),
    /// `webhook:<provider>:<event id>`.
    package var cause: String
    package var kind: EffectKind
    package var orderID: String
    /// The integration request it answers, if a staff member asked for it.
    package var requestID: String?
    /// The call's exact input, fixed when recorded.
    package var parameters: [String: JSONValue]
    package var state: EffectState
    /// Set before the provider is called, cleared when its answer is recorded.
    package var inFlight: Bool
    package var attempts: Int
    /// Stripe: which Idempotency-Key (`StripeAPI.idempotencyKey(effectID:generation:)`).
    package var keyGeneration: Int
    /// When the provider was first called (milliseconds since 1970).
    package var firstAttemptAt: Int64?
    /// Milliseconds since 1970.
    package var nextAttemptAt: Int64
    /// The object the provider made: pi_…, re_…, shp_…, the X-Message-Id.
    package var providerRef: String?
    package var result: [String: JSONValue]?
    package var message: String?
    package var createdAt: String
    package var updatedAt: String

    /// A parameter as text, if it is one.
    func text(_ name: String) -> String? {
        if case .string(let text)? = parameters[name] { return text }
        return nil
    }

    func integer(_ name: String) -> Int64? {
        if case .integer(let number)? = parameters[name] { return number }
        return nil
    }
}

/// An effect to record: `EffectPlanner`'s output, written with `INSERT … ON CONFLICT DO NOTHING`.
struct EffectDraft: Hashable, Sendable {
    var cause: String
    var kind: EffectKind
    var orderID: String
    var requestID: String?
    var parameters: [String: JSONValue]

    static func newID() -> String {
        "eff_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
