/// A lost edit made into a new one (`kct conflicts reapply ID`): the wanted value as a fresh
/// change against the replica as it is now, checked with the same rules as any edit.
package struct Reapplication: Hashable, Sendable {
    package var entity: EntityKind
    package var rowID: String
    package var orderID: String
    package var operation: ChangeOperation
    package var fields: [String: FieldValue]
}

extension NodeConflict {
    /// The edit that re-applies what this conflict lost, valid against `view` (the node's
    /// visible replica); throws the rejection a person should see when it cannot be re-applied
    /// as it is (the order closed since, the item was deleted, a central-only field…).
    package func reapplication(against view: ReplicaModel) throws(Rejection) -> Reapplication {
        if change.entity == .claim {
            // A claim is about now: replaying an old one would skip the rule that settled it.
            throw Rejection(
                .operationNotAllowed,
                "a lost claim is not re-applied; claim the order again from the queue once it is free")
        }
        var plan = Reapplication(
            entity: change.entity, rowID: change.rowID, orderID: change.orderID, operation: change.operation,
            fields: change.fields)
        switch (change.operation, field) {
        case (.setStatus, _):
            // The same target, moved from where the order is now.
            let now = view.status(ofOrder: change.orderID)
            plan.fields = ["status": change.fields["status"] ?? .null, "from_status": .text(now.status.rawValue)]
            if let resume = now.resumeStatus { plan.fields["from_resume_status"] = .text(resume.rawValue) }
            if let note = change.fields["note"] { plan.fields["note"] = note }
        case (_, let field?):
            plan.operation = .setFields
            plan.fields = [field: wanted]
        case (_, nil):
            break // a whole change (a rejection): the same fields again
        }
        if view.row(change.entity, change.rowID)?.isDeleted == true {
            throw Rejection(.unknownRow, "the \(change.entity.singular) was deleted; add it again instead")
        }
        let probe = Change(
            nodeID: change.nodeID, sequence: change.sequence, hlc: change.hlc, entity: plan.entity, rowID: plan.rowID,
            orderID: plan.orderID, operation: plan.operation, fields: plan.fields, author: change.author)
        try ChangeValidator.validate(probe, against: view)
        return plan
    }
}
