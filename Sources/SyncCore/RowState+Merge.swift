/// What merging one change into a row or register did.
package struct MergeResult: Hashable, Sendable {
    /// The parts of the incoming change that lost (empty: it took full effect).
    package var losses: [Conflict] = []
    /// Values already in effect that the incoming change displaced although its author had not
    /// seen them (concurrent edits): each is a lost edit for the displaced change's author.
    package var displaced: [Conflict] = []

    package init(losses: [Conflict] = [], displaced: [Conflict] = []) {
        self.losses = losses
        self.displaced = displaced
    }

    package var isSuperseded: Bool { !losses.isEmpty }
}

extension Change {
    package var ref: ChangeRef { ChangeRef(nodeID: nodeID, sequence: sequence) }

    /// Whether this change's author had merged the change that wrote `value` when it made this
    /// change: the same node, or logged at or below this change's base version.
    func knew(_ value: StampedValue) -> Bool {
        value.stamp.nodeID == nodeID || (value.version > 0 && value.version <= baseVersion)
    }

    func stamped(_ value: FieldValue, version: Int64) -> StampedValue {
        StampedValue(value: value, stamp: stamp, sequence: sequence, version: version)
    }
}

extension RowState {
    /// Merges a `set_fields`, `append` or `delete` change (status moves go to `StatusRegister`).
    /// Pure, commutative, idempotent: the resulting row depends only on the set of changes.
    package mutating func merge(_ change: Change, version: Int64) -> MergeResult {
        switch change.operation {
        case .setFields: return mergeFields(change, version: version)
        case .append: return mergeAppend(change, version: version)
        case .delete: return mergeDelete(change, version: version)
        case .setStatus: preconditionFailure("status moves are merged by StatusRegister")
        }
    }

    private func conflict(
        _ change: Change, field: String?, wanted: FieldValue, winner: StampedValue?, rule: ConflictRule, message: String
    ) -> Conflict {
        Conflict(
            loser: change.ref, entity: entity, rowID: rowID, orderID: orderID, field: field, wanted: wanted,
            winner: winner, rule: rule, message: message)
    }

    private func deletedLoss(_ change: Change, field: String?, wanted: FieldValue, tombstone: StampedValue) -> Conflict
    {
        conflict(
            change, field: field, wanted: wanted, winner: tombstone, rule: .rowDeleted,
            message:
                "the \(entity.singular) was deleted on node \(tombstone.stamp.nodeID) at "
                + "\(tombstone.stamp.hlc.utcText); a deleted \(entity.singular) takes no edits"
        )
    }

    private static func newerMessage(_ field: String, _ winner: StampedValue) -> String {
        "\(field) was set to \(winner.value.displayText) on node \(winner.stamp.nodeID) at "
            + "\(winner.stamp.hlc.utcText), later than this edit"
    }

    private mutating func mergeFields(_ change: Change, version: Int64) -> MergeResult {
        var result = MergeResult()
        if let tombstone {
            for (field, value) in change.fields.sorted(by: { $0.key < $1.key })
            where FieldCatalog.isStored(entity, field) {
                result.losses.append(deletedLoss(change, field: field, wanted: value, tombstone: tombstone))
            }
            return result
        }
        for (field, value) in change.fields.sorted(by: { $0.key < $1.key }) where FieldCatalog.isStored(entity, field) {
            let incoming = change.stamped(value, version: version)
            guard let current = fields[field] else {
                fields[field] = incoming
                continue
            }
            if current.key == incoming.key {
                // The same change merged again: keep the version once it is known.
                if current.version == 0 { fields[field] = incoming }
            } else if current.key < incoming.key {
                fields[field] = incoming
                if !change.knew(current) {
                    result.displaced.append(
                        Conflict(
                            loser: current.ref, entity: entity, rowID: rowID, orderID: orderID, field: field,
                            wanted: current.value, winner: incoming, rule: .newerValue,
                            message: Self.newerMessage(field, incoming)))
                }
            } else {
                result.losses.append(
                    conflict(
                        change, field: field, wanted: value, winner: current, rule: .newerValue,
                        message: Self.newerMessage(field, current)))
            }
        }
        return result
    }

    /// An append writes a record once. Two appends under one row id (which central refuses,
    /// but merging must still be order-independent) are settled field by field in favour of
    /// the earlier stamp (first writer wins), and the later record is reported as the loser.
    private mutating func mergeAppend(_ change: Change, version: Int64) -> MergeResult {
        var result = MergeResult()
        if let tombstone {
            result.losses.append(deletedLoss(change, field: nil, wanted: .null, tombstone: tombstone))
            return result
        }
        let incoming = change.stamped(.null, version: version)
        if let existing = appended, existing.key != incoming.key {
            let first = incoming.key < existing.key ? incoming : existing
            let message =
                "record \(rowID) was already written on node \(first.stamp.nodeID) at \(first.stamp.hlc.utcText); "
                + "appended records are never overwritten"
            if incoming.key < existing.key {
                appended = incoming
                result.displaced.append(
                    Conflict(
                        loser: existing.ref, entity: entity, rowID: rowID, orderID: orderID, field: nil, wanted: .null,
                        winner: incoming, rule: .appendCollision, message: message))
            } else {
                result.losses.append(
                    conflict(
                        change, field: nil, wanted: .null, winner: existing, rule: .appendCollision, message: message))
            }
        } else if appended == nil || (appended!.version == 0 && version != 0) {
            appended = incoming
        }
        var mutable: [String: FieldValue] = [:]
        for (field, value) in change.fields where FieldCatalog.isStored(entity, field) {
            guard FieldCatalog.spec(entity, field)?.fieldClass == .appendOnly else {
                mutable[field] = value
                continue
            }
            let written = change.stamped(value, version: version)
            if let current = fields[field] {
                if current.key == written.key ? (current.version == 0 && version != 0) : written.key < current.key {
                    fields[field] = written
                }
            } else {
                fields[field] = written
            }
        }
        // Mutable fields given at creation (an exception's initial resolution) merge as edits.
        if !mutable.isEmpty {
            var edit = change
            edit.fields = mutable
            edit.operation = .setFields
            let fieldResult = mergeFields(edit, version: version)
            result.losses += fieldResult.losses
            result.displaced += fieldResult.displaced
        }
        return result
    }

    private mutating func mergeDelete(_ change: Change, version: Int64) -> MergeResult {
        var result = MergeResult()
        let incoming = change.stamped(.null, version: version)
        if let existing = tombstone {
            // Several deletes agree; the earliest-stamped one is kept so every replica keeps the same.
            if incoming.key < existing.key || (incoming.key == existing.key && existing.version == 0) {
                tombstone = incoming
            }
            return result
        }
        for (field, value) in fields.sorted(by: { $0.key < $1.key }) where !change.knew(value) {
            result.displaced.append(
                Conflict(
                    loser: value.ref, entity: entity, rowID: rowID, orderID: orderID, field: field, wanted: value.value,
                    winner: incoming, rule: .rowDeleted,
                    message:
                        "the \(entity.singular) was deleted on node \(change.nodeID) at \(change.hlc.utcText) by "
                        + "someone who had not seen this edit"
                ))
        }
        fields = [:]
        appended = nil
        tombstone = incoming
        return result
    }
}

extension EntityKind {
    /// A person's word for one row.
    package var singular: String {
        switch self {
        case .order: "order"
        case .orderItem: "item"
        case .statusHistory: "status history entry"
        case .exception: "exception"
        case .communicationLog: "communication log entry"
        case .claim: "claim"
        case .integrationRequest: "integration request"
        }
    }
}
