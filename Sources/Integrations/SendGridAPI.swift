import Foundation
import OrderDomain

/// SendGrid's v3 Mail Send as kct uses it: one message per call, text and HTML, authenticated
/// with the API key as a Bearer token; `custom_args` carry the effect and order ids, which come
/// back in every event SendGrid posts to the event webhook.
///
/// **No idempotency.** Mail Send has no idempotency key: a 202 means queued (not delivered), and
/// when the answer is lost (timeout, dropped connection, a 500 after the request was read)
/// nobody can ask SendGrid whether the message was accepted. kct's policy, per message:
///
/// 1. The outcome is `.unknown(.sendGridCannotAsk)`: the effect is parked as *unknown* and the
///    communication-log entry shows `delivery_status = unknown`, so staff see it in
///    `kct orders show` and `kct central effects list`.
/// 2. SendGrid's event webhook settles it: any event (`processed`, `delivered`, `dropped`, …)
///    whose `effect_id` custom arg is this effect's proves the message was accepted, and the
///    effect becomes succeeded with the event's message id.
/// 3. If no event arrives within `unknownSettlingTime`, `lostAnswerPolicy(for:)` decides:
///    messages the customer needs (order, payment and shipping confirmations, exception
///    notices) are sent again once — a possible duplicate is better than a missing one;
///    courtesy messages (delivery confirmation, satisfaction survey) are left unsent — a missed
///    survey costs less than two. Staff can always resend by hand (`kct email send`).
package struct SendGridAPI: Sendable {
    package static let defaultBaseURL = "https://api.sendgrid.com"
    /// The custom args kct writes on every message.
    package static let effectIDArgument = "effect_id"
    package static let orderIDArgument = "order_id"
    package static let templateArgument = "template"
    /// How long to wait for an event to settle a send whose answer was lost. SendGrid posts
    /// events in batches, usually within seconds; an hour leaves room for its own retries.
    package static let unknownSettlingTime: Duration = .seconds(3600)

    package let configuration: SendGridConfiguration

    package init(configuration: SendGridConfiguration) {
        self.configuration = configuration
    }

    /// `POST /v3/mail/send`.
    package func send(_ mail: SendGridMail) -> ProviderRequest {
        struct Address: Encodable {
            var email: String
            var name: String?
        }
        struct Personalization: Encodable { var to: [Address] }
        struct Content: Encodable {
            var type: String
            var value: String
        }
        struct Body: Encodable {
            var personalizations: [Personalization]
            var from: Address
            var replyTo: Address?
            var subject: String
            var content: [Content]
            var categories: [String]
            var customArgs: [String: String]

            enum CodingKeys: String, CodingKey {
                case personalizations, from, subject, content, categories
                case replyTo = "reply_to"
                case customArgs = "custom_args"
            }
        }
        let body = Body(
            personalizations: [Personalization(to: [Address(email: mail.to.email, name: mail.to.name)])],
            from: Address(email: mail.from.email, name: mail.from.name),
            replyTo: mail.replyTo.map { Address(email: $0.email, name: $0.name) },
            subject: mail.subject,
            // SendGrid requires text/plain first when both are given.
            content: [Content(type: "text/plain", value: mail.text), Content(type: "text/html", value: mail.html)],
            categories: [mail.template],
            customArgs: [
                Self.effectIDArgument: mail.effectID, Self.orderIDArgument: mail.orderID,
                Self.templateArgument: mail.template,
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(body)).map { Array($0) } ?? []
        return ProviderRequest(
            method: .post, baseURL: configuration.baseURL, path: "/v3/mail/send",
            headers: [
                ("Authorization", "Bearer \(configuration.apiKey.value)"), ("Content-Type", "application/json"),
            ],
            body: bytes)
    }

    /// The answer to `send`: 202 with `X-Message-Id`. A lost answer, or a 5xx other than 503
    /// (which SendGrid's edge sends before reading a request), is unknown; see the policy above.
    package static func classifySend(_ reply: ProviderReply) -> ProviderOutcome<SendGridAcceptedMail> {
        switch reply {
        case .notDelivered(let reason):
            return .transient(retryAfter: nil, reason: "SendGrid was not reached: \(reason)")
        case .answerLost(let reason):
            return .unknown(reconcile: .sendGridCannotAsk, reason: "SendGrid's answer was lost: \(reason)")
        case .answered(let answer):
            switch answer.status {
            case 200..<300:
                return .succeeded(SendGridAcceptedMail(messageID: answer.header("X-Message-Id")))
            case 429, 503:
                return .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer))
            case 500...:
                return .unknown(reconcile: .sendGridCannotAsk, reason: errorSummary(answer))
            case 401, 403:
                return .permanent(message: "SendGrid refused the API key: \(errorSummary(answer))")
            default:
                return .permanent(message: errorSummary(answer))
            }
        }
    }

    /// What to do with a message whose send stayed unknown for `unknownSettlingTime` (see above).
    package static func lostAnswerPolicy(for email: CustomerEmail) -> SendGridLostAnswerPolicy {
        switch email {
        case .orderConfirmation, .paymentConfirmation, .shippingNotification, .exceptionNotice: .sendAgainOnce
        case .deliveryConfirmation, .satisfactionSurvey: .leaveUnsent
        }
    }

    private struct ErrorBody: Decodable {
        struct Item: Decodable {
            var message: String?
            var field: String?
        }
        var errors: [Item]
    }

    static func errorSummary(_ answer: ProviderAnswer) -> String {
        guard let body = try? JSONDecoder().decode(ErrorBody.self, from: Data(answer.body)), !body.errors.isEmpty
        else { return "SendGrid answered \(answer.status): \(answer.bodyText.prefix(200))" }
        let messages = body.errors.map { item in
            (item.field.map { "\($0): " } ?? "") + (item.message ?? "no message")
        }
        return "SendGrid \(answer.status): \(messages.joined(separator: "; "))"
    }
}

/// After an unknown send: send again once, or leave it unsent (both visible in the log).
package enum SendGridLostAnswerPolicy: String, Hashable, Sendable {
    case sendAgainOnce = "send_again_once"
    case leaveUnsent = "leave_unsent"
}

/// A message for SendGrid, rendered from a template.
package struct SendGridMail: Hashable, Sendable {
    package struct Recipient: Hashable, Sendable {
        package var email: String
        package var name: String?

        package init(email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }

    package var effectID: String
    package var orderID: String
    /// The template's name (`order_confirmation`): a SendGrid category and a custom arg.
    package var template: String
    package var to: Recipient
    package var from: Recipient
    package var replyTo: Recipient?
    package var subject: String
    package var text: String
    package var html: String

    package init(
        effectID: String, orderID: String, template: String, to: Recipient, from: Recipient, replyTo: Recipient? = nil,
        subject: String, text: String, html: String
    ) {
        self.effectID = effectID
        self.orderID = orderID
        self.template = template
        self.to = to
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// A rendered template addressed to a customer from the shop.
    package init(
        effectID: String, orderID: String, email: RenderedEmail, to: Recipient, shop: ShopConfiguration
    ) throws(ProviderError) {
        guard let fromEmail = shop.fromEmail else {
            throw .invalidIntent("the shop's sender address (KCT_SHOP_FROM_EMAIL) is not configured")
        }
        self.init(
            effectID: effectID, orderID: orderID, template: email.template.rawValue, to: to,
            from: Recipient(email: fromEmail, name: shop.name),
            replyTo: shop.replyToEmail.map { Recipient(email: $0, name: shop.name) }, subject: email.subject,
            text: email.text, html: email.html)
    }
}

/// SendGrid queued the message.
package struct SendGridAcceptedMail: Hashable, Sendable {
    /// `X-Message-Id`; each event's `sg_message_id` starts with it.
    package var messageID: String?

    package init(messageID: String?) { self.messageID = messageID }
}
