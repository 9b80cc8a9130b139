import Crypto
import Foundation

/// Checks SendGrid's signed event webhook: `X-Twilio-Email-Event-Webhook-Signature` is a base64
/// DER ECDSA P-256 signature over SHA-256 of the `X-Twilio-Email-Event-Webhook-Timestamp` value
/// followed by the raw body, verified with the base64 DER (SPKI) public key from SendGrid's
/// settings. The raw bytes are verified, never re-serialised JSON. A timestamp further than
/// `tolerance` from now is refused as a replay; events are also deduplicated by `sg_event_id`.
package struct SendGridWebhookVerifier: Sendable {
    package static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    package static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
    package static let defaultToleranceSeconds: Int64 = 300

    /// The key's DER bytes, checked at init (Crypto's key type is not `Sendable`).
    private let publicKeyDER: Data
    private let toleranceSeconds: Int64
    private let now: WebhookClock

    /// Refuses a key that is not base64 DER of a P-256 public key.
    package init(
        publicKeyBase64: String, toleranceSeconds: Int64 = defaultToleranceSeconds,
        now: @escaping WebhookClock = { Int64(Date().timeIntervalSince1970) }
    ) throws(WebhookVerificationError) {
        guard let der = Data(base64Encoded: publicKeyBase64.trimmingSpaces) else {
            throw .malformedSignature("the SendGrid verification key is not base64")
        }
        do {
            _ = try P256.Signing.PublicKey(derRepresentation: der)
            publicKeyDER = der
        } catch {
            throw .malformedSignature("the SendGrid verification key is not a DER P-256 public key")
        }
        self.toleranceSeconds = toleranceSeconds
        self.now = now
    }

    /// Verifies the raw body against the headers, then parses the events.
    package func verifiedEvents(payload: [UInt8], signatureHeader: String?, timestampHeader: String?)
        throws(WebhookVerificationError) -> [SendGridEvent]
    {
        try verify(payload: payload, signatureHeader: signatureHeader, timestampHeader: timestampHeader)
        return try SendGridEvent.parse(payload: payload)
    }

    package func verify(payload: [UInt8], signatureHeader: String?, timestampHeader: String?)
        throws(WebhookVerificationError)
    {
        guard let signatureText = signatureHeader?.trimmingSpaces, !signatureText.isEmpty else {
            throw .unsigned(header: Self.signatureHeader)
        }
        guard let timestampText = timestampHeader?.trimmingSpaces, !timestampText.isEmpty else {
            throw .unsigned(header: Self.timestampHeader)
        }
        guard let der = Data(base64Encoded: signatureText),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { throw .malformedSignature("expected a base64 DER ECDSA signature") }
        var message = Data(timestampText.utf8)
        message.append(contentsOf: payload)
        guard let publicKey = try? P256.Signing.PublicKey(derRepresentation: publicKeyDER),
            publicKey.isValidSignature(signature, for: message)
        else { throw .badSignature }
        guard let timestamp = Int64(timestampText) else {
            throw .malformedSignature("the timestamp is not a number")
        }
        let age = now() - timestamp
        guard abs(age) <= toleranceSeconds else { throw .stale(ageSeconds: age, toleranceSeconds: toleranceSeconds) }
    }
}

/// One event of SendGrid's event webhook (the body is a JSON array of them).
package struct SendGridEvent: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        case processed, delivered, open, click, bounce, dropped, deferred, spamReport, unsubscribe
        case other(String)

        init(_ name: String) {
            switch name {
            case "processed": self = .processed
            case "delivered": self = .delivered
            case "open": self = .open
            case "click": self = .click
            case "bounce": self = .bounce
            case "dropped": self = .dropped
            case "deferred": self = .deferred
            case "spamreport": self = .spamReport
            case "unsubscribe": self = .unsubscribe
            default: self = .other(name)
            }
        }

        /// SendGrid's name for the event (`spamreport`).
        package var name: String {
            switch self {
            case .processed: "processed"
            case .delivered: "delivered"
            case .open: "open"
            case .click: "click"
            case .bounce: "bounce"
            case .dropped: "dropped"
            case .deferred: "deferred"
            case .spamReport: "spamreport"
            case .unsubscribe: "unsubscribe"
            case .other(let name): name
            }
        }
    }

    /// `sg_event_id`: the key to deduplicate on.
    package var eventID: String
    package var kind: Kind
    /// `sg_message_id`: starts with the send's `X-Message-Id`, followed by `.` and SendGrid's
    /// per-recipient suffix.
    package var messageID: String?
    /// Seconds since 1970.
    package var timestamp: Int64
    package var email: String?
    /// Why a bounce, drop or deferral happened.
    package var reason: String?
    /// kct's custom args, echoed back.
    package var effectID: String?
    package var orderID: String?
    package var template: String?

    /// The `X-Message-Id` this event belongs to.
    package var sendMessageID: String? {
        messageID.map { String($0.split(separator: ".", maxSplits: 1).first ?? Substring($0)) }
    }

    package static func parse(payload: [UInt8]) throws(WebhookVerificationError) -> [SendGridEvent] {
        let array: [[String: Any]]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(payload)) as? [[String: Any]] else {
                throw WebhookVerificationError.malformedPayload("expected a JSON array of event objects")
            }
            array = parsed
        } catch let error as WebhookVerificationError {
            throw error
        } catch {
            throw .malformedPayload("not JSON: \(error)")
        }
        var events: [SendGridEvent] = []
        for (index, object) in array.enumerated() {
            guard let eventID = object["sg_event_id"] as? String, let name = object["event"] as? String else {
                throw .malformedPayload("event \(index) lacks sg_event_id or event")
            }
            let timestamp = (object["timestamp"] as? NSNumber)?.int64Value ?? 0
            let reason = (object["reason"] as? String) ?? (object["response"] as? String)
            events.append(
                SendGridEvent(
                    eventID: eventID, kind: Kind(name), messageID: object["sg_message_id"] as? String,
                    timestamp: timestamp, email: object["email"] as? String, reason: reason,
                    effectID: object[SendGridAPI.effectIDArgument] as? String,
                    orderID: object[SendGridAPI.orderIDArgument] as? String,
                    template: object[SendGridAPI.templateArgument] as? String))
        }
        return events
    }
}
