import Integrations
import OrderDomain
import ProviderStandIns
import TestSupport
import Testing

@Suite(.serialized) struct SendGridStandInTests {
    func withSendGrid(_ body: (SendGridStandIn, SendGridAPI, TestClient) async throws -> Void) async throws {
        let sendGrid = try await SendGridStandIn.start()
        let client = try await TestClient.start()
        let api = SendGridAPI(
            configuration: SendGridConfiguration(apiKey: ProviderSecret(sendGrid.apiKey), baseURL: sendGrid.baseURL))
        do {
            try await body(sendGrid, api, client)
        } catch {
            try await client.stop()
            try await sendGrid.stop()
            throw error
        }
        try await client.stop()
        try await sendGrid.stop()
    }

    func mail(_ effectID: String) throws -> SendGridMail {
        let rendered = try EmailTemplates().render(
            .shippingNotification,
            facts: EmailFacts(
                shopName: "KCT Menswear", customerName: "Ana <Díaz>", orderNumber: "KCT-5",
                orderTotal: Money(minorUnits: 5_000, currency: .usd), carrier: "USPS", trackingCode: "EZ7"))
        return try SendGridMail(
            effectID: effectID, orderID: "ord-5", email: rendered, to: .init(email: "ana@example.com", name: "Ana"),
            shop: ShopConfiguration(name: "KCT Menswear", fromEmail: "shop@kct.example"))
    }

    @Test func aRenderedMailIsAcceptedWithAMessageID() async throws {
        try await withSendGrid { sendGrid, api, client in
            let outcome = SendGridAPI.classifySend(await client.reply(to: api.send(try mail("eff-m1"))))
            let accepted = try #require(outcome.success)
            let stored = try #require(sendGrid.acceptedMails.first)
            #expect(accepted.messageID == stored.messageID)
            #expect(stored.customArgs["effect_id"] == "eff-m1")
            #expect(stored.subject == "Order KCT-5 is on its way")
            #expect(stored.text.contains("Tracking number: EZ7"))
            #expect(stored.html.contains("Ana &lt;Díaz&gt;"))
            #expect(sendGrid.counters.mailsAccepted == 1)
        }
    }

    @Test func aLostAnswerIsUnknownAndTheStandInCountsTheMail() async throws {
        try await withSendGrid { sendGrid, api, client in
            sendGrid.inject(.answerLostAfterActing)
            guard
                case .unknown(.sendGridCannotAsk, _) = SendGridAPI.classifySend(
                    await client.reply(to: api.send(try mail("eff-m2"))))
            else {
                Issue.record("a lost send is unknown")
                return
            }
            #expect(sendGrid.counters.mailsAccepted == 1)
            sendGrid.inject(.rateLimited(retryAfterSeconds: 1))
            guard
                case .transient(.seconds(1), _) = SendGridAPI.classifySend(
                    await client.reply(to: api.send(try mail("eff-m3"))))
            else {
                Issue.record("429 is transient")
                return
            }
            #expect(sendGrid.counters.mailsAccepted == 1)
        }
    }

    @Test func invalidMailIsRefusedWithSendGridsErrors() async throws {
        try await withSendGrid { sendGrid, api, client in
            var bad = try mail("eff-m4")
            bad.subject = ""
            guard case .permanent(let message) = SendGridAPI.classifySend(await client.reply(to: api.send(bad))) else {
                Issue.record("400 is permanent")
                return
            }
            #expect(message == "SendGrid 400: subject: The subject is required.")
            #expect(sendGrid.counters.mailsAccepted == 0)
        }
    }
}
