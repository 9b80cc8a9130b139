import Crypto
import Foundation
import StaffAuth

/// Checks `X-Hmac-Signature: hmac-sha256-hex=<hex>`: HMAC-SHA256 over the raw body with the
/// webhook secret, NFKD-normalised as EasyPost's own libraries do. EasyPost signs no timestamp,
/// so replays are stopped by deduplicating on the event id.
package struct EasyPostWebhookVerifier: Sendable {
    package static let signatureHeader = "X-Hmac-Signature"
    static let prefix = "hmac-sha256-hex="

    /// The key's bytes (Crypto's `SymmetricKey` is not `Sendable`).
    private let key: [UInt8]

    package init(secret: ProviderSecret) {
        key = Array(secret.value.decomposedStringWithCompatibilityMapping.utf8)
    }

    /// Verifies the raw body against the header, then parses the event.
    package func verifiedEvent(payload: [UInt8], signatureHeader: String?) throws(WebhookVerificationError)
        -> EasyPostEvent
    {
        try verify(payload: payload, signatureHeader: signatureHeader)
        return try EasyPostEvent(payload: payload)
    }

    package func verify(payload: [UInt8], signatureHeader: String?) throws(WebhookVerificationError) {
        guard let header = signatureHeader?.trimmingSpaces, !header.isEmpty else {
            throw .unsigned(header: Self.signatureHeader)
        }
        guard header.hasPrefix(Self.prefix), let signature = Hex.decode(header.dropFirst(Self.prefix.count)) else {
            throw .malformedSignature("expected \(Self.prefix)<hex>")
        }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: key)))
        guard ConstantTime.equal(signature, expected) else { throw .badSignature }
    }
}

/// An EasyPost event. kct acts on `tracker.updated`; others are acknowledged and ignored.
package struct EasyPostEvent: Hashable, Sendable {
    package var id: String
    /// `tracker.updated`, `tracker.created`, `batch.updated`, …
    package var description: String
    /// The tracker, for tracker events.
    package var tracker: EasyPostTracker?

    package init(payload: [UInt8]) throws(WebhookVerificationError) {
        struct Envelope: Decodable {
            var id: String
            var description: String
        }
        struct TrackerResult: Decodable { var result: EasyPostTracker }
        let data = Data(payload)
        do {
            let envelope = try JSONDecoder().decode(Envelope.self, from: data)
            id = envelope.id
            description = envelope.description
            if envelope.description.hasPrefix("tracker.") {
                tracker = try JSONDecoder().decode(TrackerResult.self, from: data).result
            }
        } catch {
            throw .malformedPayload("not an EasyPost event: \(error)")
        }
    }
}
