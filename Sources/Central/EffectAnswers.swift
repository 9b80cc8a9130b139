import OrderDomain
import SyncCore

/// How an effect's outcome reaches the nodes: central's own changes on the order, on the
/// staff request it answers, and on the communication log.
enum EffectAnswers {
    /// Publishes a successful answer; the JSON kept in the effect's `result`.
    static func publish(_ answer: EffectAnswer, of effect: EffectRecord, into authoring: inout CentralAuthoring)
        -> [String: JSONValue]
    {
        let orderID = effect.orderID
        var result = answer.json
        let summary: String
        switch answer {
        case .paymentIntent(let id, let status, let amount, let currency):
            authoring.set(
                .order, orderID, order: orderID,
                [
                    "stripe_payment_intent_id": .text(id), "payment_status": .text(status),
                    "payment_amount": .integer(amount),
                ])
            summary = "PaymentIntent \(id) for \(formattedAmount(amount, currency)) (\(status))"
            if status == "succeeded" {
                authoring.move(orderID, to: .paymentConfirmed, note: "Stripe: PaymentIntent \(id) succeeded")
            }
        case .refund(let id, let status):
            authoring.set(
                .order, orderID, order: orderID, ["stripe_refund_id": .text(id), "payment_status": .text("refunded")])
            summary = "Refund \(id) (\(status))"
        case .shipment(let id, let rates):
            authoring.set(.order, orderID, order: orderID, ["easypost_shipment_id": .text(id)])
            let lines = rates.sorted { $0.amount < $1.amount }.map { rate in
                "\(rate.id): \(rate.carrier) \(rate.service) \(formattedAmount(rate.amount, rate.currency))"
                    + (rate.deliveryDays.map { ", \($0) days" } ?? "")
            }
            summary =
                rates.isEmpty
                ? "shipment \(id) has no rates for this address and parcel"
                : "shipment \(id) rates (buy one with kct shipping buy ORDER --rate ID):\n"
                    + lines.joined(separator: "\n")
        case .purchase(let label):
            authoring.set(
                .order, orderID, order: orderID,
                [
                    "shipping_rate_id": .text(label.rateID), "shipping_label_url": .text(label.labelURL),
                    "tracking_code": .text(label.trackingCode), "carrier": .text(label.carrier),
                    "service_type": .text(label.service), "shipping_cost": .integer(label.cost),
                    "tracking_status": .text(TrackingStatus.preTransit.rawValue),
                ])
            summary =
                "label bought: \(label.carrier) \(label.service), tracking \(label.trackingCode), \(label.labelURL)"
        case .mail(let messageID, let subject, let text):
            let logID = appendCommunication(
                effect, content: "\(subject)\n\n\(text)", deliveryStatus: "sent", into: &authoring)
            result["communication_log_id"] = .string(logID)
            summary = "e-mail \(effect.text("template") ?? "") sent" + (messageID.map { " (\($0))" } ?? "")
        }
        answerRequest(effect, state: .succeeded, message: summary, into: &authoring)
        return result
    }

    /// Publishes a failure or an unknown outcome; for an e-mail, the id of the communication-log
    /// entry that shows it was not sent, or may not have been.
    @discardableResult
    static func publishFailure(
        of effect: EffectRecord, state: EffectState, message: String,
        requestState: IntegrationRequestState? = nil, into authoring: inout CentralAuthoring
    ) -> String? {
        var logID: String?
        if effect.kind == .mail {
            logID = appendCommunication(
                effect, content: (state == .unknown ? "perhaps not sent: " : "not sent: ") + message,
                deliveryStatus: state == .unknown ? "unknown" : "failed", into: &authoring)
        }
        answerRequest(effect, state: state, message: message, requestState: requestState, into: &authoring)
        return logID
    }

    /// Answers the staff request, if the effect has one.
    private static func answerRequest(
        _ effect: EffectRecord, state: EffectState, message: String, requestState: IntegrationRequestState? = nil,
        into authoring: inout CentralAuthoring
    ) {
        guard let requestID = effect.requestID else { return }
        let answered: IntegrationRequestState =
            requestState
            ?? {
                switch state {
                case .succeeded: .succeeded
                case .unknown: .unknown
                case .cancelled: .cancelled
                case .failed, .pending: .failed
                }
            }()
        authoring.set(
            .integrationRequest, requestID, order: effect.orderID,
            [
                "request_state": .text(answered.rawValue), "answer": .text(String(message.prefix(10_000))),
                "answered_at": .text(Timestamp.format(millis: authoring.nowMillis)),
            ])
    }

    @discardableResult
    private static func appendCommunication(
        _ effect: EffectRecord, content: String, deliveryStatus: String, into authoring: inout CentralAuthoring
    ) -> String {
        let now = Timestamp.format(millis: authoring.nowMillis)
        var fields: [String: FieldValue] = [
            "communication_type": .text(effect.text("template") ?? "note"), "communication_channel": .text("email"),
            "message_content": .text(String(content.prefix(10_000))), "created_at": .text(now),
            "created_by": .text(CentralAuthoring.author), "delivery_status": .text(deliveryStatus),
        ]
        if deliveryStatus == "sent" { fields["sent_at"] = .text(now) }
        return authoring.append(.communicationLog, order: effect.orderID, fields)
    }
}
