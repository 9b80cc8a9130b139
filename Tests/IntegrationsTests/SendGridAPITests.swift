import Foundation
import Integrations
import OrderDomain
import Testing

@Suite struct SendGridAPITests {
    let api = SendGridAPI(configuration: SendGridConfiguration(apiKey: ProviderSecret("SG.key")))
    let mail = SendGridMail(
        effectID: "eff-9", orderID: "ord-3", template: "order_confirmation",
        to: .init(email: "ana@example.com", name: "Ana"), from: .init(email: "shop@kct.example", name: "KCT"),
        subject: "Your order", text: "plain", html: "<p>html</p>")

    @Test func sendCarriesBothBodiesAndTheEffectInCustomArgs() throws {
        let request = api.send(mail)
        #expect(request.url == "https://api.sendgrid.com/v3/mail/send")
        #expect(request.header("Authorization") == "Bearer SG.key")
        #expect(!request.description.contains("SG.key"))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: Any])
        let content = try #require(body["content"] as? [[String: String]])
        #expect(content.map { $0["type"] } == ["text/plain", "text/html"])
        #expect(content.map { $0["value"] } == ["plain", "<p>html</p>"])
        #expect(
            body["custom_args"] as? [String: String]
                == ["effect_id": "eff-9", "order_id": "ord-3", "template": "order_confirmation"])
        let to = (body["personalizations"] as? [[String: Any]])?.first?["to"] as? [[String: String]]
        #expect(to == [["email": "ana@example.com", "name": "Ana"]])
        #expect((body["from"] as? [String: String])?["email"] == "shop@kct.example")
    }

    @Test func acceptedMailCarriesTheMessageID() throws {
        let accepted = SendGridAPI.classifySend(
            .answered(ProviderAnswer(status: 202, headers: [("X-Message-Id", "abc123")], body: [])))
        #expect(try #require(accepted.success).messageID == "abc123")
    }

    @Test func lostAnswersCannotBeReconciled() {
        for reply: ProviderReply in [
            .answerLost(reason: "timeout"), .answered(ProviderAnswer(status: 500, body: Array("{}".utf8))),
        ] {
            guard case .unknown(.sendGridCannotAsk, _) = SendGridAPI.classifySend(reply) else {
                Issue.record("\(reply) should be unknown")
                continue
            }
        }
    }

    @Test func refusalsAndRetries() {
        let invalid = SendGridAPI.classifySend(
            .answered(
                ProviderAnswer(
                    status: 400,
                    body: Array(#"{"errors":[{"message":"The subject is required.","field":"subject"}]}"#.utf8))))
        guard case .permanent(let message) = invalid else {
            Issue.record("400 is permanent")
            return
        }
        #expect(message == "SendGrid 400: subject: The subject is required.")
        guard
            case .transient(.seconds(2), _) = SendGridAPI.classifySend(
                .answered(ProviderAnswer(status: 429, headers: [("Retry-After", "2")]))),
            case .transient = SendGridAPI.classifySend(.answered(ProviderAnswer(status: 503))),
            case .transient = SendGridAPI.classifySend(.notDelivered(reason: "refused")),
            case .permanent = SendGridAPI.classifySend(.answered(ProviderAnswer(status: 401)))
        else {
            Issue.record("429/503/undelivered are transient; 401 permanent")
            return
        }
    }

    @Test func lostAnswerPolicyPerTemplate() {
        #expect(SendGridAPI.lostAnswerPolicy(for: .shippingNotification) == .sendAgainOnce)
        #expect(SendGridAPI.lostAnswerPolicy(for: .paymentConfirmation) == .sendAgainOnce)
        #expect(SendGridAPI.lostAnswerPolicy(for: .satisfactionSurvey) == .leaveUnsent)
        #expect(SendGridAPI.lostAnswerPolicy(for: .deliveryConfirmation) == .leaveUnsent)
    }

    @Test func renderedEmailNeedsTheShopSender() throws {
        let rendered = try EmailTemplates().render(
            .orderConfirmation,
            facts: EmailFacts(
                shopName: "KCT", customerName: "Ana", orderNumber: "KCT-1",
                orderTotal: Money(minorUnits: 100, currency: .usd)))
        #expect(throws: ProviderError.self) {
            try SendGridMail(
                effectID: "e", orderID: "o", email: rendered, to: .init(email: "a@b.c"), shop: ShopConfiguration())
        }
        let mail = try SendGridMail(
            effectID: "e", orderID: "o", email: rendered, to: .init(email: "a@b.c"),
            shop: ShopConfiguration(name: "KCT", fromEmail: "shop@kct.example", replyToEmail: "care@kct.example"))
        #expect(mail.template == "order_confirmation")
        #expect(mail.replyTo?.email == "care@kct.example")
        #expect(mail.subject == rendered.subject)
    }
}
