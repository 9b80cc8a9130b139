import Foundation
import GRDB
import OrderDomain
import SyncCore

extension OrderStore {
    /// Makes what a conflict lost a new local edit, through the write path: a lost status move
    /// is moved again from where the order is now (OrderLifecycle decides: a cancelled order
    /// refuses); a lost field is set again; a rejected change is made again (an append under a
    /// new id). Every change is checked with `ChangeValidator` against the visible replica, and
    /// the conflict is marked `reapplied` in the same transaction. Refused, changing nothing,
    /// when the edit is no longer valid.
    @discardableResult
    package func reapplyConflict(_ id: Int64, by actor: StaffActor) throws(StoreError) -> ConflictRecord {
        try edit(by: actor) { db, recorder in
            let conflict = try Self.conflict(db, id)
            guard conflict.state != .reapplied else {
                throw StoreError.conflictNotActionable(
                    "conflict \(id) was already re-applied (outbox sequence \(conflict.reappliedSequence ?? 0))")
            }
            try Self.requireSettling(conflict, by: actor)
            guard let order = try? resolveOrder(db, conflict.orderID) else {
                throw StoreError.conflictNotActionable(
                    "cannot re-apply conflict \(id): order \(conflict.orderNumber ?? conflict.orderID) is no longer "
                        + "on this workstation"
                )
            }
            if conflict.operation == .setStatus {
                guard case .text(let text)? = conflict.changeFields["status"], let target = OrderStatus(rawValue: text)
                else {
                    throw StoreError.corruptValue(
                        table: "outbox", column: "fields", value: "status of sequence \(conflict.sequence)")
                }
                var note: String?
                if case .text(let text)? = conflict.changeFields["note"] { note = text }
                do {
                    _ = try moveStatus(db, &recorder, order, to: target, note: note)
                } catch let error as StatusChangeError {
                    throw StoreError.conflictNotActionable("cannot re-apply conflict \(id): \(StoreError.wrap(error))")
                }
            } else {
                let pushed = try Self.syncCounters(db).pushed
                let view = try Self.orderView(db, orderID: order.id, pushedUpTo: pushed, nodeID: identity.nodeID)
                var rowID = conflict.rowID
                var fields = conflict.changeFields
                if let field = conflict.field {
                    fields = [field: conflict.wanted]
                } else if conflict.operation == .append {
                    rowID = RowID.make()
                }
                let operation = conflict.field == nil ? conflict.operation : .setFields
                if view.row(RowKey(conflict.entity, rowID))?.isDeleted == true {
                    throw StoreError.conflictNotActionable(
                        "cannot re-apply conflict \(id): the \(conflict.entity.singular) was deleted; add it again "
                            + "instead"
                    )
                }
                let probe = Change(
                    nodeID: identity.nodeID, sequence: recorder.lastSequence + 1, hlc: recorder.lastHLC,
                    entity: conflict.entity,
                    rowID: rowID, orderID: order.id, operation: operation, fields: fields, author: actor.email)
                do throws(Rejection) { try ChangeValidator.validate(probe, against: view) } catch {
                    throw StoreError.conflictNotActionable("cannot re-apply conflict \(id): \(error.message)")
                }
                let creates = operation == .append || view.row(RowKey(conflict.entity, rowID)) == nil
                try recorder.record(
                    db, entity: conflict.entity, rowID: rowID, orderID: order.id, operation: operation, fields: fields,
                    createsRow: creates)
                try reproject(db, orders: [order.id], nowText: recorder.nowText)
            }
            try db.execute(
                sql:
                    """
                    UPDATE conflicts SET state = 'reapplied', settled_at = ?, settled_by = ?, reapplied_sequence =
                    ? WHERE id = ?
                    """,
                arguments: [recorder.nowText, actor.email, recorder.lastSequence, id])
            return try Self.conflict(db, id)
        }
    }
}
