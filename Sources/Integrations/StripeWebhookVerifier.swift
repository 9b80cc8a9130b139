import Crypto
import Foundation
import StaffAuth

/// Checks `Stripe-Signature: t=…,v1=…[,v1=…]`: HMAC-SHA256 (hex) with the endpoint's secret over
/// `"{t}.{raw body}"`. Any `v1` may match (Stripe sends one per active secret while a secret is
/// rotated); comparisons take constant time; a timestamp more than `tolerance` from now is
/// refused as a replay (Stripe's default tolerance: 300 s).
package struct StripeWebhookVerifier: Sendable {
    package static let signatureHeader = "Stripe-Signature"
    package static let defaultToleranceSeconds: Int64 = 300

    private let secret: [UInt8]
    private let toleranceSeconds: Int64
    private let now: WebhookClock

    package init(
        secret: ProviderSecret, toleranceSeconds: Int64 = defaultToleranceSeconds,
        now: @escaping WebhookClock = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.secret = Array(secret.value.utf8)
        self.toleranceSeconds = toleranceSeconds
        self.now = now
    }

    /// Verifies the raw body against the header, then parses the event.
    package func verifiedEvent(payload: [UInt8], signatureHeader: String?) throws(WebhookVerificationError)
        -> StripeEvent
    {
        try verify(payload: payload, signatureHeader: signatureHeader)
        return try StripeEvent(payload: payload)
    }

    package func verify(payload: [UInt8], signatureHeader: String?) throws(WebhookVerificationError) {
        guard let header = signatureHeader, !header.isEmpty else { throw .unsigned(header: Self.signatureHeader) }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "t" {
                guard let parsed = Int64(value) else { throw .malformedSignature("t is not a number") }
                timestamp = parsed
            } else if name == "v1", let bytes = Hex.decode(value) {
                signatures.append(bytes)
            }
        }
        guard let timestamp else { throw .malformedSignature("no t= timestamp") }
        guard !signatures.isEmpty else { throw .malformedSignature("no v1= signature") }
        let expected = Self.signature(secret: secret, timestamp: timestamp, payload: payload)
        // Every candidate is compared, so the time taken does not tell which one matched.
        var matched = false
        for signature in signatures where ConstantTime.equal(signature, expected) { matched = true }
        guard matched else { throw .badSignature }
        let age = now() - timestamp
        guard abs(age) <= toleranceSeconds else { throw .stale(ageSeconds: age, toleranceSeconds: toleranceSeconds) }
    }

    static func signature(secret: [UInt8], timestamp: Int64, payload: [UInt8]) -> [UInt8] {
        var message = Array("\(timestamp).".utf8)
        message += payload
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
    }
}

/// A Stripe event (`POST` to the webhook endpoint). Events arrive at least once and in any
/// order: dedupe by `id`, and re-fetch the object rather than trusting the order of events.
package struct StripeEvent: Hashable, Sendable {
    package enum Object: Hashable, Sendable {
        /// `payment_intent.succeeded`.
        case paymentIntentSucceeded(StripePaymentIntent)
        /// `payment_intent.payment_failed`; the intent's `lastPaymentErrorMessage` says why.
        case paymentIntentFailed(StripePaymentIntent)
        /// `charge.refunded`.
        case chargeRefunded(StripeCharge)
        /// Any other type: acknowledged and ignored.
        case other
    }

    package var id: String
    package var type: String
    /// Seconds since 1970.
    package var created: Int64
    package var livemode: Bool
    package var object: Object

    package init(payload: [UInt8]) throws(WebhookVerificationError) {
        struct Envelope: Decodable {
            var id: String
            var type: String
            var created: Int64?
            var livemode: Bool?
        }
        struct Typed<Object: Decodable>: Decodable {
            struct DataField: Decodable { var object: Object }
            var data: DataField
        }
        let decoder = JSONDecoder()
        let data = Data(payload)
        do {
            let envelope = try decoder.decode(Envelope.self, from: data)
            id = envelope.id
            type = envelope.type
            created = envelope.created ?? 0
            livemode = envelope.livemode ?? false
            switch envelope.type {
            case "payment_intent.succeeded":
                object = .paymentIntentSucceeded(
                    try decoder.decode(Typed<StripePaymentIntent>.self, from: data).data.object)
            case "payment_intent.payment_failed":
                object = .paymentIntentFailed(
                    try decoder.decode(Typed<StripePaymentIntent>.self, from: data).data.object)
            case "charge.refunded":
                object = .chargeRefunded(try decoder.decode(Typed<StripeCharge>.self, from: data).data.object)
            default:
                object = .other
            }
        } catch {
            throw .malformedPayload("not a Stripe event: \(error)")
        }
    }
}
