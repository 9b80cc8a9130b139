import Foundation
import Integrations
import OrderDomain
import ProviderStandIns
import TestSupport
import Testing

/// Webhooks signed by the stand-ins (with Crypto directly) verified by the module's verifiers at
/// a loopback receiver that answers as central does: 200 when verified, 400 when refused.
@Suite(.serialized) struct WebhookDeliveryTests {
    @Test func stripeEventsVerifyAndForgeriesAreRefused() async throws {
        let stripe = try await StripeStandIn.start()
        let verifier = StripeWebhookVerifier(secret: ProviderSecret(stripe.webhookSecret))
        let receiver = try await WebhookRecorder.start { delivery in
            (try? verifier.verify(payload: delivery.body, signatureHeader: delivery.headers["Stripe-Signature"])) != nil
                ? 200 : 400
        }
        let client = try await TestClient.start()
        let api = StripeAPI(
            configuration: StripeConfiguration(secretKey: ProviderSecret(stripe.secretKey), baseURL: stripe.baseURL))
        let created = try #require(
            StripeAPI.classifyPaymentIntentCreation(
                await client.reply(
                    to: try api.createPaymentIntent(
                        StripePaymentIntentCreation(
                            orderID: "o", effectID: "e", amount: Money(minorUnits: 2_000, currency: .usd)))),
                effectID: "e"
            ).success)
        stripe.completePayment(intentID: created.id)
        let payload = try #require(stripe.event(type: "payment_intent.succeeded", intentID: created.id))

        #expect(await stripe.deliver(payload, to: receiver.url) == 200)
        let event = try verifier.verifiedEvent(
            payload: try #require(receiver.deliveries.last).body,
            signatureHeader: receiver.deliveries.last?.headers["Stripe-Signature"])
        guard case .paymentIntentSucceeded(let intent) = event.object else {
            Issue.record("expected payment_intent.succeeded, got \(event.object)")
            return
        }
        #expect(intent.id == created.id && intent.metadata["effect_id"] == "e")

        let rotated = stripe.signature(payload: payload, secrets: ["whsec_previous", stripe.webhookSecret])
        #expect(await stripe.deliver(payload, to: receiver.url, signatureHeader: rotated) == 200)
        let stale = stripe.signature(payload: payload, timestamp: Int64(Date().timeIntervalSince1970) - 600)
        #expect(await stripe.deliver(payload, to: receiver.url, signatureHeader: stale) == 400)
        #expect(await stripe.deliver(payload, to: receiver.url, signatureHeader: .some(nil)) == 400)
        let forged = stripe.signature(payload: payload, secrets: ["whsec_attacker"])
        #expect(await stripe.deliver(payload, to: receiver.url, signatureHeader: forged) == 400)
        #expect(receiver.deliveries.count == 5)

        try await client.stop()
        try await receiver.stop()
        try await stripe.stop()
    }

    @Test func easyPostTrackerUpdatesVerify() async throws {
        let easyPost = try await EasyPostStandIn.start()
        let verifier = EasyPostWebhookVerifier(secret: ProviderSecret(easyPost.webhookSecret))
        let receiver = try await WebhookRecorder.start { delivery in
            (try? verifier.verify(payload: delivery.body, signatureHeader: delivery.headers["X-Hmac-Signature"])) != nil
                ? 200 : 400
        }
        let client = try await TestClient.start()
        let api = EasyPostAPI(
            configuration: EasyPostConfiguration(apiKey: ProviderSecret(easyPost.apiKey), baseURL: easyPost.baseURL))
        let address = PostalAddress(name: "A", street1: "1 A St", city: "Austin", zip: "73301", country: "US")
        let shipment = try #require(
            EasyPostAPI.classifyShipmentCreation(
                await client.reply(
                    to: api.createShipment(
                        EasyPostShipmentCreation(
                            to: address, from: address, parcel: Parcel(items: [("Suit", 1)]), reference: "r")))
            ).success)
        _ = await client.reply(to: api.buy(shipmentID: shipment.id, rateID: shipment.rates[0].id))

        for status in ["in_transit", "out_for_delivery", "delivered"] {
            let payload = try #require(easyPost.trackerEvent(shipmentID: shipment.id, status: status))
            #expect(await easyPost.deliver(payload, to: receiver.url) == 200)
        }
        let statuses = try receiver.deliveries.map {
            try verifier.verifiedEvent(payload: $0.body, signatureHeader: $0.headers["X-Hmac-Signature"]).tracker?
                .trackingStatus
        }
        #expect(statuses == [.inTransit, .outForDelivery, .delivered])
        let payload = try #require(easyPost.trackerEvent(shipmentID: shipment.id, status: "in_transit"))
        let forged = easyPost.signature(payload: payload, secret: "not-the-secret")
        #expect(await easyPost.deliver(payload, to: receiver.url, signatureHeader: forged) == 400)
        #expect(await easyPost.deliver(payload, to: receiver.url, signatureHeader: .some(nil)) == 400)

        try await client.stop()
        try await receiver.stop()
        try await easyPost.stop()
    }

    @Test func sendGridEventBatchesVerifyWithThePublishedKey() async throws {
        let sendGrid = try await SendGridStandIn.start()
        let verifier = try SendGridWebhookVerifier(publicKeyBase64: sendGrid.publicKeyBase64)
        let receiver = try await WebhookRecorder.start { delivery in
            (try? verifier.verify(
                payload: delivery.body,
                signatureHeader: delivery.headers[SendGridWebhookVerifier.signatureHeader],
                timestampHeader: delivery.headers[SendGridWebhookVerifier.timestampHeader])) != nil ? 200 : 400
        }
        let client = try await TestClient.start()
        let api = SendGridAPI(
            configuration: SendGridConfiguration(apiKey: ProviderSecret(sendGrid.apiKey), baseURL: sendGrid.baseURL))
        let mail = SendGridMail(
            effectID: "eff-s", orderID: "ord-s", template: "delivery_confirmation", to: .init(email: "a@example.com"),
            from: .init(email: "shop@kct.example"), subject: "s", text: "t", html: "<p>h</p>")
        let accepted = try #require(SendGridAPI.classifySend(await client.reply(to: api.send(mail))).success)
        let messageID = try #require(accepted.messageID)
        let batch = sendGrid.eventBatch([
            try #require(sendGrid.event("processed", messageID: messageID)),
            try #require(sendGrid.event("delivered", messageID: messageID)),
            try #require(sendGrid.event("open", messageID: messageID)),
        ])
        #expect(try await sendGrid.deliver(batch, to: receiver.url) == 200)
        let delivery = try #require(receiver.deliveries.last)
        let events = try verifier.verifiedEvents(
            payload: delivery.body, signatureHeader: delivery.headers[SendGridWebhookVerifier.signatureHeader],
            timestampHeader: delivery.headers[SendGridWebhookVerifier.timestampHeader])
        #expect(events.map(\.kind) == [.processed, .delivered, .open])
        #expect(events.allSatisfy { $0.effectID == "eff-s" && $0.sendMessageID == messageID })
        #expect(Set(events.map(\.eventID)).count == 3)

        let stale = Int64(Date().timeIntervalSince1970) - 900
        #expect(try await sendGrid.deliver(batch, to: receiver.url, timestamp: stale) == 400)
        #expect(try await sendGrid.deliver(batch, to: receiver.url, signatureHeader: .some(nil)) == 400)
        let otherSignature = try sendGrid.signature(payload: batch + [0x0A], timestamp: "1")
        #expect(try await sendGrid.deliver(batch, to: receiver.url, signatureHeader: otherSignature) == 400)

        try await client.stop()
        try await receiver.stop()
        try await sendGrid.stop()
    }
}
