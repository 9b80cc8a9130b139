import OrderDomain

extension StatusRegister {
    /// Merges a `set_status` change. Its fields were checked on acceptance (`ChangeValidator`):
    /// `status` and `from_status` are statuses, `from_resume_status` is absent or a status.
    package mutating func merge(_ change: Change, version: Int64) -> MergeResult {
        guard let move = StatusMove(change, version: version) else {
            preconditionFailure("set_status change \(change.ref) was not validated before merging")
        }
        var result = MergeResult()
        if let index = moves.firstIndex(where: { $0.key == move.key }) {
            // The same move again: only record its version once known.
            if moves[index].version == 0 && version != 0 {
                var known = moves
                known[index].version = version
                self = StatusRegister(moves: known)
            }
            if let lost = resolution.ineffective[move.ref] {
                result.losses.append(conflict(move, change, lost))
            }
            return result
        }
        let before = resolution
        insert(move)
        if let lost = resolution.ineffective[move.ref] {
            result.losses.append(conflict(move, change, lost))
        }
        // Moves that were in effect and no longer are: an earlier-stamped move arrived late.
        for displaced in moves
        where displaced.ref != move.ref
            && before.ineffective[displaced.ref] == nil
            && resolution.ineffective[displaced.ref] != nil
            && !change.knew(
                StampedValue(
                    value: .null, stamp: displaced.stamp, sequence: displaced.sequence, version: displaced.version))
        {
            result.displaced.append(conflict(displaced, change, resolution.ineffective[displaced.ref]!))
        }
        return result
    }

    private func conflict(_ move: StatusMove, _ change: Change, _ lost: Supersession) -> Conflict {
        let winner = lost.setBy.map {
            StampedValue(value: .text($0.to.rawValue), stamp: $0.stamp, sequence: $0.sequence, version: $0.version)
        }
        let since = lost.setBy.map { " since node \($0.stamp.nodeID) moved it at \($0.stamp.hlc.utcText)" } ?? ""
        let message: String
        switch lost.rule {
        case .orderClosed:
            message =
                "the order was already \(lost.statusInEffect)\(since); a \(lost.statusInEffect) order does not move "
                + "again"
        default:
            message =
                "the order was \(lost.statusInEffect)\(since), and \(lost.statusInEffect) → \(move.to) is not an "
                + "allowed move"
        }
        return Conflict(
            loser: move.ref, entity: .order, rowID: change.orderID, orderID: change.orderID, field: "status",
            wanted: .text(move.to.rawValue), winner: winner, rule: lost.rule, message: message)
    }
}

extension StatusMove {
    /// The move a validated `set_status` change describes; nil when its fields are not statuses.
    package init?(_ change: Change, version: Int64) {
        guard change.operation == .setStatus,
            case .text(let toText) = change.fields["status"], let to = OrderStatus(rawValue: toText),
            case .text(let fromText) = change.fields["from_status"], let from = OrderStatus(rawValue: fromText)
        else { return nil }
        var fromResume: OrderStatus?
        switch change.fields["from_resume_status"] {
        case nil, .null?: fromResume = nil
        case .text(let text)?:
            guard let status = OrderStatus(rawValue: text) else { return nil }
            fromResume = status
        default: return nil
        }
        var note: String?
        if case .text(let text)? = change.fields["note"] { note = text }
        self.init(
            stamp: change.stamp, sequence: change.sequence, version: version, from: from, to: to,
            fromResume: fromResume, note: note)
    }
}
