import Crypto
import Foundation
import Integrations
import Testing

/// Signatures are computed here with Crypto directly, as the providers compute them.
@Suite struct WebhookVerifierTests {
    static let now: Int64 = 1_765_000_000
    let payload = Array(#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}"#.utf8)

    func stripeHeader(_ secret: String, at timestamp: Int64 = now, payload: [UInt8]? = nil) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + (payload ?? self.payload), using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    func stripeVerifier(secret: String = "whsec_test", now: Int64 = now) -> StripeWebhookVerifier {
        StripeWebhookVerifier(secret: ProviderSecret(secret), now: { now })
    }

    @Test func stripeAcceptsAGoodSignature() throws {
        let header = "t=\(Self.now),v1=\(stripeHeader("whsec_test"))"
        try stripeVerifier().verify(payload: payload, signatureHeader: header)
    }

    @Test func stripeAcceptsAnyMatchingV1DuringRotation() throws {
        let header = "t=\(Self.now),v1=\(stripeHeader("whsec_old")),v1=\(stripeHeader("whsec_test")),v0=ignored"
        try stripeVerifier().verify(payload: payload, signatureHeader: header)
    }

    @Test func stripeRefusesBadStaleAndUnsigned() {
        let verifier = stripeVerifier()
        #expect(throws: WebhookVerificationError.badSignature) {
            try verifier.verify(payload: payload, signatureHeader: "t=\(Self.now),v1=\(stripeHeader("whsec_other"))")
        }
        var tampered = payload
        tampered[tampered.count - 3] = UInt8(ascii: "2")
        #expect(throws: WebhookVerificationError.badSignature) {
            try verifier.verify(payload: tampered, signatureHeader: "t=\(Self.now),v1=\(stripeHeader("whsec_test"))")
        }
        // A replayed (re-timestamped) signature does not match: the timestamp is signed.
        #expect(throws: WebhookVerificationError.badSignature) {
            try verifier.verify(payload: payload, signatureHeader: "t=\(Self.now + 1),v1=\(stripeHeader("whsec_test"))")
        }
        let old = Self.now - 301
        #expect(throws: WebhookVerificationError.stale(ageSeconds: 301, toleranceSeconds: 300)) {
            try verifier.verify(payload: payload, signatureHeader: "t=\(old),v1=\(stripeHeader("whsec_test", at: old))")
        }
        let edge = Self.now - 300
        #expect(throws: Never.self) {
            try verifier.verify(
                payload: payload, signatureHeader: "t=\(edge),v1=\(stripeHeader("whsec_test", at: edge))")
        }
        #expect(throws: WebhookVerificationError.unsigned(header: "Stripe-Signature")) {
            try verifier.verify(payload: payload, signatureHeader: nil)
        }
        #expect(throws: WebhookVerificationError.malformedSignature("no t= timestamp")) {
            try verifier.verify(payload: payload, signatureHeader: "v1=\(stripeHeader("whsec_test"))")
        }
        #expect(throws: WebhookVerificationError.malformedSignature("no v1= signature")) {
            try verifier.verify(payload: payload, signatureHeader: "t=\(Self.now),v0=abc")
        }
    }

    @Test func easyPostVerifiesTheRawBodyWithTheNormalisedSecret() throws {
        // "ﬁ" (U+FB01) decomposes to "fi" under NFKD, as EasyPost normalises the secret.
        let signingKey = SymmetricKey(data: Array("secret-fi".utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: signingKey)
        let header = "hmac-sha256-hex=" + mac.map { String(format: "%02x", $0) }.joined()
        try EasyPostWebhookVerifier(secret: ProviderSecret("secret-\u{FB01}")).verify(
            payload: payload, signatureHeader: header)
        let verifier = EasyPostWebhookVerifier(secret: ProviderSecret("secret-fi"))
        try verifier.verify(payload: payload, signatureHeader: header)
        #expect(throws: WebhookVerificationError.badSignature) {
            try EasyPostWebhookVerifier(secret: ProviderSecret("other")).verify(
                payload: payload, signatureHeader: header)
        }
        #expect(throws: WebhookVerificationError.self) {
            try verifier.verify(payload: payload, signatureHeader: String(header.dropFirst(16)))
        }
        #expect(throws: WebhookVerificationError.unsigned(header: "X-Hmac-Signature")) {
            try verifier.verify(payload: payload, signatureHeader: "")
        }
    }

    @Test func sendGridVerifiesECDSAOverTimestampAndBody() throws {
        let key = P256.Signing.PrivateKey()
        let publicKey = key.publicKey.derRepresentation.base64EncodedString()
        let timestamp = String(Self.now)
        let body = Array(#"[{"email":"a@b.c","event":"delivered","sg_event_id":"ev1","timestamp":1}]"#.utf8)
        let signature = try key.signature(for: Data(timestamp.utf8) + body).derRepresentation.base64EncodedString()
        let verifier = try SendGridWebhookVerifier(publicKeyBase64: publicKey, now: { Self.now })
        let events = try verifier.verifiedEvents(payload: body, signatureHeader: signature, timestampHeader: timestamp)
        #expect(events.map(\.eventID) == ["ev1"])

        #expect(throws: WebhookVerificationError.badSignature) {
            try verifier.verify(payload: body + [0x20], signatureHeader: signature, timestampHeader: timestamp)
        }
        #expect(throws: WebhookVerificationError.badSignature) {
            try verifier.verify(payload: body, signatureHeader: signature, timestampHeader: String(Self.now + 1))
        }
        let other = try SendGridWebhookVerifier(
            publicKeyBase64: P256.Signing.PrivateKey().publicKey.derRepresentation.base64EncodedString(),
            now: { Self.now })
        #expect(throws: WebhookVerificationError.badSignature) {
            try other.verify(payload: body, signatureHeader: signature, timestampHeader: timestamp)
        }
        let late = try SendGridWebhookVerifier(publicKeyBase64: publicKey, now: { Self.now + 301 })
        #expect(throws: WebhookVerificationError.stale(ageSeconds: 301, toleranceSeconds: 300)) {
            try late.verify(payload: body, signatureHeader: signature, timestampHeader: timestamp)
        }
        #expect(throws: WebhookVerificationError.unsigned(header: SendGridWebhookVerifier.signatureHeader)) {
            try verifier.verify(payload: body, signatureHeader: nil, timestampHeader: timestamp)
        }
        #expect(throws: WebhookVerificationError.unsigned(header: SendGridWebhookVerifier.timestampHeader)) {
            try verifier.verify(payload: body, signatureHeader: signature, timestampHeader: nil)
        }
        #expect(throws: WebhookVerificationError.self) {
            try verifier.verify(payload: body, signatureHeader: "not base64!", timestampHeader: timestamp)
        }
        #expect(throws: WebhookVerificationError.self) { try SendGridWebhookVerifier(publicKeyBase64: "AAAA") }
    }
}

@Suite struct WebhookEventTests {
    @Test func stripeEventsParseByType() throws {
        let succeeded = try StripeEvent(
            payload: Array(
                """
                {"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1765000000,"livemode":false,
                "data":{"object":{"id":"pi_1","object":"payment_intent","amount":104900,"currency":"usd",
                "status":"succeeded","metadata":{"order_id":"o1","effect_id":"e1"},"latest_charge":"ch_1"}}}
                """.utf8))
        #expect(succeeded.id == "evt_1")
        guard case .paymentIntentSucceeded(let intent) = succeeded.object else {
            Issue.record("expected payment_intent.succeeded")
            return
        }
        #expect(intent.isSucceeded && intent.metadata["order_id"] == "o1" && intent.latestCharge == "ch_1")

        let failed = try StripeEvent(
            payload: Array(
                """
                {"id":"evt_2","type":"payment_intent.payment_failed","created":1,"data":{"object":{"id":"pi_1",
                "amount":5,"currency":"usd","status":"requires_payment_method","metadata":{},
                "last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}}}
                """.utf8))
        guard case .paymentIntentFailed(let failedIntent) = failed.object else {
            Issue.record("expected payment_intent.payment_failed")
            return
        }
        #expect(failedIntent.lastPaymentErrorMessage == "Your card was declined.")

        let refunded = try StripeEvent(
            payload: Array(
                """
                {"id":"evt_3","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1","object":"charge",
                "amount":104900,"amount_refunded":104900,"currency":"usd","refunded":true,"payment_intent":"pi_1",
                "metadata":{}}}}
                """.utf8))
        #expect(refunded.object == .chargeRefunded(try #require(refunded.chargeIfRefunded)))

        let other = try StripeEvent(
            payload: Array(#"{"id":"evt_4","type":"customer.created","data":{"object":{}}}"#.utf8))
        #expect(other.object == .other)
        #expect(throws: WebhookVerificationError.self) { try StripeEvent(payload: Array("[]".utf8)) }
    }

    @Test func easyPostTrackerEventsParse() throws {
        let event = try EasyPostEvent(
            payload: Array(
                """
                {"id":"evt_ep1","object":"Event","description":"tracker.updated","mode":"test",
                "result":{"id":"trk_1","object":"Tracker","tracking_code":"EZ1","status":"out_for_delivery",
                "carrier":"USPS","shipment_id":"shp_1","public_url":"https://track.easypost.com/x",
                "tracking_details":[{"message":"Arrived"},{"message":"Out for delivery"}]}}
                """.utf8))
        #expect(event.id == "evt_ep1")
        let tracker = try #require(event.tracker)
        #expect(tracker.trackingStatus == .outForDelivery)
        #expect(tracker.shipmentID == "shp_1")
        #expect(tracker.latestMessage == "Out for delivery")
        let batch = try EasyPostEvent(payload: Array(#"{"id":"evt_2","description":"batch.updated","result":{}}"#.utf8))
        #expect(batch.tracker == nil)
    }

    @Test func sendGridEventArraysParseWithCustomArgs() throws {
        let events = try SendGridEvent.parse(
            payload: Array(
                """
                [{"email":"a@b.c","timestamp":1765000000,"event":"processed","sg_event_id":"e1",
                "sg_message_id":"msg1.filter0001.1.0","effect_id":"eff-9","order_id":"ord-3",
                "template":"order_confirmation"},
                {"email":"a@b.c","timestamp":1765000100,"event":"bounce","sg_event_id":"e2",
                "sg_message_id":"msg1.f.2.0","reason":"550 mailbox unavailable","type":"bounce"},
                {"email":"a@b.c","timestamp":1765000200,"event":"open","sg_event_id":"e3"},
                {"email":"a@b.c","timestamp":1765000300,"event":"group_resubscribe","sg_event_id":"e4"}]
                """.utf8))
        #expect(events.map(\.kind) == [.processed, .bounce, .open, .other("group_resubscribe")])
        #expect(events[0].effectID == "eff-9" && events[0].orderID == "ord-3")
        #expect(events[0].sendMessageID == "msg1")
        #expect(events.map(\.timestamp) == [1_765_000_000, 1_765_000_100, 1_765_000_200, 1_765_000_300])
        #expect(events[0].email == "a@b.c" && events[0].template == "order_confirmation")
        #expect(events[1].reason == "550 mailbox unavailable")
        #expect(events[2].messageID == nil)
        #expect(throws: WebhookVerificationError.self) {
            try SendGridEvent.parse(payload: Array(#"[{"event":"open"}]"#.utf8))
        }
        #expect(throws: WebhookVerificationError.self) { try SendGridEvent.parse(payload: Array("{}".utf8)) }
    }
}

extension StripeEvent {
    fileprivate var chargeIfRefunded: StripeCharge? {
        if case .chargeRefunded(let charge) = object, charge.refunded, charge.amountRefunded == charge.amount {
            return charge
        }
        return nil
    }
}
