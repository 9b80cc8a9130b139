import GRDB
import OrderDomain
import SyncCore

/// A staff request to central's providers and central's answer, as this replica knows it.
package struct IntegrationRequestRecord: Hashable, Sendable {
    package var id: String
    package var orderID: String
    package var kind: IntegrationRequestKind
    /// The EasyPost rate to buy (shipping_label).
    package var rateID: String?
    /// The e-mail template (email).
    package var template: String?
    package var createdAt: String?
    package var createdBy: String?
    /// Central's answer; nil while it has none (not pushed yet, or central still working).
    package var state: IntegrationRequestState?
    package var answer: String?
    package var answeredAt: String?
    /// Still in this workstation's outbox: central has not received it.
    package var isQueued: Bool

    /// For people: queued here, waiting for central, or central's answer.
    package var stateText: String {
        if let state { return state.rawValue }
        return isQueued ? "queued (not yet sent to central)" : "sent, waiting for central's answer"
    }
}

extension OrderStore {
    /// The order fields central writes from its providers' answers (payment, label, tracking),
    /// shown by `kct orders show`.
    package static let providerFactFields = [
        "payment_status", "stripe_payment_intent_id", "payment_method", "payment_amount", "stripe_refund_id",
        "easypost_shipment_id", "shipping_rate_id", "carrier", "service_type", "shipping_cost", "tracking_code",
        "tracking_status", "shipping_label_url",
    ]

    /// Queues a request for central to call a provider: an ordinary edit (an `append`), so it
    /// works offline and is answered once the workstation reaches central.
    @discardableResult
    package func requestIntegration(
        on reference: String, _ kind: IntegrationRequestKind, rateID: String? = nil, template: CustomerEmail? = nil,
        by actor: StaffActor
    ) throws(StoreError) -> IntegrationRequestRecord {
        let (orderID, requestID) = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let id = RowID.make()
            var fields: [String: FieldValue] = [
                "order_id": .text(order.id), "request_kind": .text(kind.rawValue),
                "created_at": .text(recorder.nowText), "created_by": .text(actor.email),
            ]
            if let rateID { fields["rate_id"] = .text(rateID) }
            if let template { fields["template"] = .text(template.rawValue) }
            try recorder.record(
                db, entity: .integrationRequest, rowID: id, orderID: order.id, operation: .append, fields: fields)
            try touch(db, orderID: order.id, now: recorder.nowText)
            return (order.id, id)
        }
        guard let request = try integrationRequests(orderID: orderID).first(where: { $0.id == requestID }) else {
            throw .unexpected("the request just queued is not in the replica")
        }
        return request
    }

    /// The order's requests to providers, oldest first, with central's answers merged over
    /// this workstation's pending ones.
    package func integrationRequests(orderID: String) throws(StoreError) -> [IntegrationRequestRecord] {
        try read { db in try integrations(db, orderID: orderID).requests }
    }

    /// The provider facts central has set on the order (by field name) and the order's requests
    /// to providers, from one view of the replica: read apart, a merge landing in between could
    /// show a request answered without the facts its answer set.
    func integrations(_ db: Database, orderID: String) throws
        -> (facts: [String: FieldValue], requests: [IntegrationRequestRecord])
    {
        let view = try Self.orderView(
            db, orderID: orderID, pushedUpTo: try Self.syncCounters(db).pushed, nodeID: identity.nodeID)
        let queued = Set(
            try String.fetchAll(
                db, sql: "SELECT row_id FROM outbox WHERE order_id = ? AND entity = ?",
                arguments: [orderID, EntityKind.integrationRequest.rawValue]))
        let requests = view.rows.values.filter { $0.entity == .integrationRequest && !$0.isDeleted }
            .compactMap { row in Self.integrationRequest(row, queued: queued.contains(row.rowID)) }
            .sorted { ($0.createdAt ?? "", $0.id) < ($1.createdAt ?? "", $1.id) }
        var facts: [String: FieldValue] = [:]
        if let order = view.rows[RowKey(.order, orderID)] {
            for name in Self.providerFactFields {
                if let value = order.fields[name]?.value, value != .null { facts[name] = value }
            }
        }
        return (facts, requests)
    }

    package func recentIntegrationRequests(limit: Int) throws(StoreError)
        -> [(orderNumber: String, request: IntegrationRequestRecord)]
    {
        let orders = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT orders.id, orders.order_number FROM orders WHERE orders.id IN (
                      SELECT order_id FROM outbox WHERE entity = ?
                      UNION \(ConfirmedState.orderIDsSelect(entity: .integrationRequest)))
                    """, arguments: [EntityKind.integrationRequest.rawValue]
            ).map { (id: $0[0] as String, number: $0[1] as String) }
        }
        var all: [(orderNumber: String, request: IntegrationRequestRecord)] = []
        for order in orders {
            all += try integrationRequests(orderID: order.id).map { (order.number, $0) }
        }
        return Array(all.sorted { ($0.request.createdAt ?? "") > ($1.request.createdAt ?? "") }.prefix(limit))
    }

    static func integrationRequest(_ row: RowState, queued: Bool) -> IntegrationRequestRecord? {
        func text(_ name: String) -> String? {
            if case .text(let value)? = row.fields[name]?.value { return value }
            return nil
        }
        guard let kind = text("request_kind").flatMap(IntegrationRequestKind.init(rawValue:)) else { return nil }
        return IntegrationRequestRecord(
            id: row.rowID, orderID: row.orderID, kind: kind, rateID: text("rate_id"), template: text("template"),
            createdAt: text("created_at"), createdBy: text("created_by"),
            state: text("request_state").flatMap(IntegrationRequestState.init(rawValue:)), answer: text("answer"),
            answeredAt: text("answered_at"), isQueued: queued)
    }
}
