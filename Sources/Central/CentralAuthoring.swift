import Foundation
import OrderDomain
import StorageSupport
import SyncCore

/// A change central makes itself: payment and delivery facts, answers to staff requests.
struct CentralChangeDraft: Sendable {
    var entity: EntityKind
    var rowID: String
    var orderID: String
    var operation: ChangeOperation
    var fields: [String: FieldValue]
}

/// Central authoring changes inside one write transaction: each is stamped with central's clock,
/// numbered with central's own sequence, and settled by the same `PushProcessor` rules as a
/// pushed change (validated, merged, logged, its outcome and audit entry recorded), so nodes
/// receive it by the normal pull. Effects the accepted changes cause are planned here too.
struct CentralAuthoring {
    let conn: any SQLConnection
    var ledger: PushLedger
    var clock: HybridLogicalClock
    var sequence: Int64
    let nowMillis: UInt64
    let processor: PushProcessor
    let planner: EffectPlanner
    /// Central's changes accepted in this transaction, in order.
    private(set) var accepted: [Change] = []
    /// Central's changes the rules refused (an illegal move, say), with why.
    private(set) var refused: [(change: Change, reason: Rejection)] = []
    /// Effects planned for the accepted changes (recorded by the caller).
    private(set) var effects: [EffectDraft] = []

    static let author = ChangeValidator.centralNodeID

    /// Settles one change of central's own; its outcome.
    @discardableResult
    mutating func author(_ draft: CentralChangeDraft) -> ChangeOutcome {
        sequence += 1
        let change = Change(
            nodeID: ChangeValidator.centralNodeID, sequence: sequence,
            hlc: PushProcessor.restamp(&clock, nowMillis: nowMillis), entity: draft.entity, rowID: draft.rowID,
            orderID: draft.orderID, operation: draft.operation, fields: draft.fields, author: Self.author,
            baseVersion: ledger.headVersion)
        let (outcome, _) = processor.settle(change, nowMillis: nowMillis, clock: &clock, ledger: &ledger)
        if let reason = outcome.reason {
            refused.append((change, reason))
        } else {
            accepted.append(change)
            plan(change)
        }
        return outcome
    }

    /// Plans the effects of an accepted change (pushed or central's) against the order as it
    /// now reads.
    mutating func plan(_ change: Change) {
        guard planner.mayCause(change), let order = order(change.orderID) else { return }
        effects += planner.effects(of: change, order: order)
    }

    /// The order as this transaction sees it.
    func order(_ orderID: String) -> OrderFacts? {
        OrderFacts(orderID: orderID, state: ledger.changedOrders[orderID] ?? ledger.cache.order(orderID, conn))
    }

    /// Sets fields of an order or of one of its rows.
    @discardableResult
    mutating func set(_ entity: EntityKind, _ rowID: String, order orderID: String, _ fields: [String: FieldValue])
        -> ChangeOutcome
    {
        author(
            CentralChangeDraft(entity: entity, rowID: rowID, orderID: orderID, operation: .setFields, fields: fields))
    }

    /// Moves the order to `status` from where it is now, with its history entry; false (and
    /// nothing changed) when the lifecycle refuses the move.
    @discardableResult
    mutating func move(_ orderID: String, to status: OrderStatus, note: String) -> Bool {
        guard let order = order(orderID), order.status != status,
            (try? OrderLifecycle.validate(from: order.status, to: status, resumeStatus: order.resumeStatus)) != nil
        else { return false }
        var fields: [String: FieldValue] = [
            "status": .text(status.rawValue), "from_status": .text(order.status.rawValue), "note": .text(note),
        ]
        if let resume = order.resumeStatus { fields["from_resume_status"] = .text(resume.rawValue) }
        let outcome = author(
            CentralChangeDraft(entity: .order, rowID: orderID, orderID: orderID, operation: .setStatus, fields: fields))
        guard outcome.reason == nil else { return false }
        var history: [String: FieldValue] = [
            "order_id": .text(orderID), "from_status": .text(order.status.rawValue),
            "to_status": .text(status.rawValue),
            "changed_by": .text(Self.author), "changed_at": .text(Timestamp.format(millis: nowMillis)),
            "note": .text(note),
        ]
        if let enteredAt = order.enteredCurrentStatusMillis, nowMillis >= enteredAt {
            history["duration_in_previous_seconds"] = .integer(Int64((nowMillis - enteredAt) / 1000))
        }
        append(.statusHistory, order: orderID, history)
        return true
    }

    /// Appends a record (history, exception, communication log) under a new row id; its id.
    @discardableResult
    mutating func append(
        _ entity: EntityKind, order orderID: String, _ fields: [String: FieldValue], rowID: String? = nil
    )
        -> String
    {
        let id = rowID ?? RowIdentifier.make()
        var fields = fields
        fields["order_id"] = .text(orderID)
        author(CentralChangeDraft(entity: entity, rowID: id, orderID: orderID, operation: .append, fields: fields))
        return id
    }

    /// Records an exception on the order (a provider reported a problem). The status is left
    /// alone: a suspended order could not take the provider's later good news.
    mutating func recordException(_ orderID: String, type: String, description: String) {
        append(
            .exception, order: orderID,
            [
                "exception_type": .text(type), "exception_severity": .text("high"),
                "description": .text(String(description.prefix(2000))), "resolution_status": .text("open"),
                "customer_notified": .bool(false), "created_at": .text(Timestamp.format(millis: nowMillis)),
                "created_by": .text(Self.author),
            ])
    }
}

/// Row ids for records central appends (UUID text, as nodes make them).
enum RowIdentifier {
    static func make() -> String { UUID().uuidString.lowercased() }
}
