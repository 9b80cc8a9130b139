import Integrations
import OrderDomain
import StorageSupport
import SyncCore

/// What a verified webhook came to.
package enum WebhookResult: String, Sendable {
    /// Acted on (or acknowledged as not concerning kct) for the first time.
    case accepted
    /// Its event id was seen before: nothing done again.
    case duplicate
}

extension CentralStore {
    /// Acts on a verified Stripe event in ONE transaction with its de-duplication by event id:
    /// the payment facts, the move to payment_confirmed, an exception for a failed payment, a
    /// refund's facts. Rules only move forward (a late failure does not undo a success), so the
    /// order events arrive in does not matter.
    func apply(_ event: StripeEvent, planner: EffectPlanner) throws(CentralError) -> AuthoringResult<WebhookResult> {
        try webhook(provider: "stripe", eventID: event.id, type: event.type, planner: planner) { conn, authoring in
            switch event.object {
            case .paymentIntentSucceeded(let intent):
                guard let orderID = try Self.orderID(conn, stripe: intent.metadata, providerRef: intent.id) else {
                    return "no kct order for PaymentIntent \(intent.id)"
                }
                authoring.set(
                    .order, orderID, order: orderID,
                    [
                        "stripe_payment_intent_id": .text(intent.id), "payment_status": .text(intent.status),
                        "payment_method": .text("card"),
                    ])
                if authoring.order(orderID)?.status == .pendingPayment {
                    authoring.move(orderID, to: .paymentConfirmed, note: "Stripe: PaymentIntent \(intent.id) succeeded")
                }
                return "PaymentIntent \(intent.id) succeeded"
            case .paymentIntentFailed(let intent):
                guard let orderID = try Self.orderID(conn, stripe: intent.metadata, providerRef: intent.id),
                    let order = authoring.order(orderID)
                else {
                    return "no kct order for PaymentIntent \(intent.id)"
                }
                let settled = ["succeeded", "refunded", "partially_refunded"].contains(
                    order.text("payment_status") ?? "")
                guard !settled else { return "late failure of PaymentIntent \(intent.id) ignored: already paid" }
                authoring.set(.order, orderID, order: orderID, ["payment_status": .text(intent.status)])
                authoring.recordException(
                    orderID, type: "payment_failed",
                    description:
                        "Stripe: payment of \(intent.id) failed: \(intent.lastPaymentErrorMessage ?? "no reason given")"
                )
                return "PaymentIntent \(intent.id) failed"
            case .chargeRefunded(let charge):
                guard let intentID = charge.paymentIntent,
                    let orderID = try Self.orderID(conn, stripe: charge.metadata, providerRef: intentID)
                else {
                    return "no kct order for charge \(charge.id)"
                }
                authoring.set(
                    .order, orderID, order: orderID,
                    ["payment_status": .text(charge.refunded ? "refunded" : "partially_refunded")])
                return "charge \(charge.id) refunded \(formattedAmount(charge.amountRefunded, charge.currency))"
            case .other:
                return "event type \(event.type) is not used by kct"
            }
        }
    }

    /// Acts on a verified EasyPost tracker update: tracking status (never backwards), the
    /// order's moves toward delivered, an exception for a delivery problem.
    func apply(_ event: EasyPostEvent, planner: EffectPlanner) throws(CentralError) -> AuthoringResult<WebhookResult> {
        try webhook(provider: "easypost", eventID: event.id, type: event.description, planner: planner) {
            conn, authoring in
            guard let tracker = event.tracker else { return "event \(event.description) is not used by kct" }
            guard
                let orderID = try Self.orderID(conn, shipment: tracker.shipmentID, trackingCode: tracker.trackingCode),
                let order = authoring.order(orderID)
            else {
                return "no kct order for tracker \(tracker.id)"
            }
            guard let status = tracker.trackingStatus else { return "tracker status \(tracker.status) is not known" }
            let current = order.text("tracking_status").flatMap(TrackingStatus.init(rawValue:))
            if ShipmentTracking.isProgress(from: current, to: status) {
                authoring.set(.order, orderID, order: orderID, ["tracking_status": .text(status.rawValue)])
            }
            for step in ShipmentTracking.moves(from: order.status, tracking: status) {
                guard authoring.move(orderID, to: step, note: "EasyPost tracker \(tracker.id): \(status.rawValue)")
                else { break }
            }
            if ShipmentTracking.opensException(current: order.status, tracking: status), current != status {
                authoring.recordException(
                    orderID, type: "delivery_failed",
                    description:
                        "EasyPost: parcel \(tracker.trackingCode ?? tracker.id) is \(status.rawValue)"
                        + (tracker.latestMessage.map { ": \($0)" } ?? ""))
            }
            return "tracker \(tracker.id) \(status.rawValue)"
        }
    }

    /// Acts on one verified SendGrid event: the e-mail's communication-log entry follows it.
    func apply(_ event: SendGridEvent, planner: EffectPlanner) throws(CentralError) -> AuthoringResult<WebhookResult> {
        try webhook(provider: "sendgrid", eventID: event.eventID, type: event.kind.name, planner: planner) {
            conn, authoring in
            guard let effect = try Self.mailEffect(conn, effectID: event.effectID, messageID: event.messageID),
                case .string(let logID)? = effect.result?["communication_log_id"]
            else {
                return "no kct e-mail for SendGrid message \(event.messageID ?? "?")"
            }
            if effect.state == .unknown || (effect.state == .pending && effect.keyGeneration > 0) {
                // The send whose answer was lost did go out: SendGrid reports it.
                try conn.execute(
                    """
                    UPDATE effects SET state = 'succeeded', in_flight = 0, provider_ref = coalesce(provider_ref, ?),
                      message = ?, updated_at = ? WHERE id = ?
                    """,
                    event.messageID?.split(separator: ".").first.map(String.init),
                    "settled by SendGrid's \(event.kind.name) event", Timestamp.format(millis: authoring.nowMillis),
                    effect.id)
            }
            let at = Timestamp.format(millis: UInt64(max(0, event.timestamp)) * 1000)
            var fields: [String: FieldValue] = [:]
            switch event.kind {
            case .delivered:
                fields = ["delivery_status": .text("delivered"), "delivered_at": .text(at)]
            case .open, .click:
                fields = ["delivery_status": .text("opened"), "opened_at": .text(at)]
            case .bounce, .dropped, .spamReport:
                fields = ["delivery_status": .text(event.kind.name)]
            case .processed, .deferred, .unsubscribe, .other:
                return "SendGrid \(event.kind.name) for \(logID) noted"
            }
            // Delivery status only moves forward; timestamps are facts and are always kept.
            let current = try Self.deliveryStatus(conn, authoring: authoring, orderID: effect.orderID, logID: logID)
            if case .text(let next)? = fields["delivery_status"], !DeliveryProgress.isProgress(from: current, to: next)
            {
                fields.removeValue(forKey: "delivery_status")
            }
            if !fields.isEmpty { authoring.set(.communicationLog, logID, order: effect.orderID, fields) }
            return "SendGrid \(event.kind.name) for \(logID)"
        }
    }

    /// The shared frame: de-duplicate by event id in the same transaction as the effects.
    private func webhook(
        provider: String, eventID: String, type: String, planner: EffectPlanner,
        _ body: (any SQLConnection, inout CentralAuthoring) throws -> String
    ) throws(CentralError) -> AuthoringResult<WebhookResult> {
        try authoring(planner: planner) { conn, authoring in
            let now = Timestamp.format(millis: authoring.nowMillis)
            let inserted = try conn.execute(
                """
                INSERT INTO webhook_events (provider, event_id, event_type, received_at) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, provider, eventID, type, now)
            guard inserted == 1 else { return .duplicate }
            let detail = try body(conn, &authoring)
            let orderID = authoring.accepted.first?.orderID
            try Self.appendAudit(
                conn,
                AuditEntry(
                    receivedAt: now, kind: .webhook, person: nil, nodeName: provider, orderID: orderID, entity: nil,
                    operation: type, outcome: "accepted", detail: detail, eventID: "\(provider):\(eventID)"))
            return .accepted
        }
    }

    /// The order a Stripe object belongs to: its metadata, else the effect that made it.
    static func orderID(_ conn: any SQLConnection, stripe metadata: [String: String], providerRef: String) throws
        -> String?
    {
        if let orderID = metadata[StripeAPI.orderIDMetadataKey],
            try conn.fetchOne(
                "SELECT 1 FROM rows WHERE entity = ? AND row_id = ?",
                [.text(EntityKind.order.rawValue), .text(orderID)])
                != nil
        {
            return orderID
        }
        return try conn.fetchValue(
            "SELECT order_id FROM effects WHERE provider_ref = ? LIMIT 1", [.text(providerRef)])
    }

    /// The order a parcel belongs to: the effect that made its shipment.
    static func orderID(_ conn: any SQLConnection, shipment: String?, trackingCode: String?) throws -> String? {
        if let shipment,
            let orderID: String = try conn.fetchValue(
                "SELECT order_id FROM effects WHERE provider_ref = ? LIMIT 1", [.text(shipment)])
        {
            return orderID
        }
        guard let trackingCode else { return nil }
        let resultTrackingCode = conn.dialect.jsonText("result", "tracking_code")
        return try conn.fetchValue(
            "SELECT order_id FROM effects WHERE kind = ? AND \(resultTrackingCode) = ? LIMIT 1",
            [.text(EffectKind.purchase.rawValue), .text(trackingCode)])
    }

    /// The send an event is about: by the effect id kct put in `custom_args`, else by message id.
    static func mailEffect(_ conn: any SQLConnection, effectID: String?, messageID: String?) throws -> EffectRecord? {
        if let effectID, let row = try conn.fetchOne("SELECT * FROM effects WHERE id = ?", [.text(effectID)]) {
            return try effect(row)
        }
        guard let messageID, let prefix = messageID.split(separator: ".").first else { return nil }
        return try conn.fetchOne(
            "SELECT * FROM effects WHERE kind = ? AND provider_ref = ?",
            [.text(EffectKind.mail.rawValue), .text(String(prefix))]
        ).map(effect)
    }

    static func deliveryStatus(_ conn: any SQLConnection, authoring: CentralAuthoring, orderID: String, logID: String)
        throws -> String?
    {
        let state = authoring.ledger.changedOrders[orderID] ?? authoring.ledger.cache.order(orderID, conn)
        if case .text(let status)? = state.rows[RowKey(.communicationLog, logID)]?.fields["delivery_status"]?.value {
            return status
        }
        return nil
    }
}

/// How far an e-mail got; a later event never moves it back (SendGrid's events arrive in any order).
enum DeliveryProgress {
    static let rank = [
        "pending": 0, "unknown": 1, "sent": 2, "delivered": 3, "opened": 4, "bounce": 5, "dropped": 5,
        "spamreport": 5, "failed": 5,
    ]

    static func isProgress(from current: String?, to next: String) -> Bool {
        (rank[next] ?? 0) > (current.flatMap { rank[$0] } ?? 0)
    }
}
