/// Moves the log versions a settlement gave its changes, when it was worked out against the log
/// at head `base` and is appended at a later head, `base + offset` (central on PostgreSQL works
/// a push out before it takes the log's lock: SYNC-PROTOCOL §4.12). Versions above `base` are
/// the settlement's own and move by `offset`; versions at or below it were there before and
/// stay. The caller makes sure that nothing the settlement read changed in between, so that the
/// rules would have decided the same at the later head. In the rules a version only says whether
/// a value is logged yet (not 0), and, for a value of another node, whether a change's author
/// had seen it (at or below the change's base version); the settlement's own values are all of
/// its node's changes, so that second question is never asked of a version that moves.
package struct VersionShift: Hashable, Sendable {
    package var base: Int64
    package var offset: Int64

    package init(base: Int64, offset: Int64) {
        self.base = base
        self.offset = offset
    }

    package func callAsFunction(_ version: Int64) -> Int64 { version > base ? version + offset : version }
}

/// What carries one log version of its own: a stamped value, a status move.
package protocol LogVersioned {
    var version: Int64 { get set }
}

extension LogVersioned {
    package func shifted(_ shift: VersionShift) -> Self {
        var shifted = self
        shifted.version = shift(version)
        return shifted
    }
}

extension StampedValue: LogVersioned {}
extension StatusMove: LogVersioned {}

extension RowState {
    package func shifted(_ shift: VersionShift) -> RowState {
        var row = self
        row.fields = fields.mapValues { $0.shifted(shift) }
        row.appended = appended?.shifted(shift)
        row.tombstone = tombstone?.shifted(shift)
        return row
    }
}

extension StatusRegister {
    package func shifted(_ shift: VersionShift) -> StatusRegister {
        StatusRegister(moves: moves.map { $0.shifted(shift) })
    }
}

extension Conflict {
    package func shifted(_ shift: VersionShift) -> Conflict {
        var conflict = self
        conflict.winner = winner?.shifted(shift)
        return conflict
    }
}

extension ChangeOutcome {
    package func shifted(_ shift: VersionShift) -> ChangeOutcome {
        var outcome = self
        outcome.version = version.map { shift($0) }
        outcome.conflicts = conflicts.map { $0.shifted(shift) }
        return outcome
    }
}

extension LogEntry {
    package func shifted(_ shift: VersionShift) -> LogEntry {
        LogEntry(version: shift(version), change: change, displaced: displaced.map { $0.shifted(shift) })
    }
}

extension PushResponse {
    /// The head after the push moves with the base, whether or not the push logged anything.
    package func shifted(_ shift: VersionShift) -> PushResponse {
        PushResponse(
            nodeID: nodeID, acknowledgedThrough: acknowledgedThrough, headVersion: headVersion + shift.offset,
            outcomes: outcomes.map { $0.shifted(shift) })
    }
}
