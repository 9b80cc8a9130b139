/// Joining two merge states of one row or register: the state of the union of the changes each
/// contains, without those changes. A snapshot (SYNC-PROTOCOL.md §4.9) carries central's states,
/// not its log, and a node that already holds some of the same changes (its own pushed edits, a
/// page merged before a dropped connection) joins them. Each rule picks what merging the changes
/// one by one picks (RowState+Merge.swift), so the result does not depend on which side held what
/// (checked against merging the changes in `RowStateJoinTests`).
extension StampedValue {
    /// Of two writers of one value: the later (`later`) or the earlier one; the same change on
    /// both sides keeps the log version once either side knows it.
    fileprivate static func pick(_ a: StampedValue, _ b: StampedValue, later: Bool) -> StampedValue {
        if a.key == b.key { return a.version != 0 ? a : b }
        return (a.key < b.key) == later ? b : a
    }
}

extension RowState {
    /// This row joined with `other` (the same row).
    package func joined(with other: RowState) -> RowState {
        precondition(key == other.key, "joining two different rows")
        var result = RowState(entity: entity, rowID: rowID, orderID: orderID)
        // The earliest delete wins and a deleted row keeps no fields.
        switch (tombstone, other.tombstone) {
        case (let a?, let b?): result.tombstone = StampedValue.pick(a, b, later: false)
        case (let a?, nil), (nil, let a?): result.tombstone = a
        case (nil, nil): break
        }
        if result.tombstone != nil { return result }
        // An appended record keeps its first writer, field by field as `mergeAppend` does.
        switch (appended, other.appended) {
        case (let a?, let b?): result.appended = StampedValue.pick(a, b, later: false)
        case (let a?, nil), (nil, let a?): result.appended = a
        case (nil, nil): break
        }
        result.fields = fields
        for (name, value) in other.fields {
            guard let mine = fields[name] else {
                result.fields[name] = value
                continue
            }
            let firstWins = FieldCatalog.spec(entity, name)?.fieldClass == .appendOnly
            result.fields[name] = StampedValue.pick(mine, value, later: !firstWins)
        }
        return result
    }
}

extension StatusRegister {
    /// This register joined with `other`: the union of their moves (by stamp, as `merge` keeps
    /// them; the copy with a log version is kept), resolved again.
    package func joined(with other: StatusRegister) -> StatusRegister {
        var byKey: [MergeKey: StatusMove] = [:]
        for move in moves + other.moves {
            if let known = byKey[move.key], known.version != 0 { continue }
            byKey[move.key] = move
        }
        // In key order, so each insert only extends the replay.
        return StatusRegister(moves: byKey.values.sorted { $0.key < $1.key })
    }
}
