import OrderDomain

/// An order's status as a grow-only set of moves, and the status they resolve to.
///
/// The set is merged by union, so every replica that holds the same moves holds the same
/// register. The status is a pure function of the set (`resolve`): the moves are replayed in
/// stamp order from `pending_payment`:
/// - once a terminal status is in effect, every later move is superseded (terminal statuses
///   are absorbing, so the earliest terminal move wins);
/// - a move to a terminal status takes effect whatever the replayed status (it was checked
///   against the status it was made from when central accepted it);
/// - a move to the status already in effect agrees with it and takes effect as a no-op;
/// - any other move takes effect only if `OrderLifecycle` allows it from the replayed status
///   (and resume status); otherwise it is superseded by the status in effect.
package struct StatusRegister: Hashable, Sendable {
    package static let initialStatus = OrderStatus.pendingPayment

    /// Sorted by `MergeKey` (stamp, then sequence); each move once.
    package private(set) var moves: [StatusMove] = []
    package private(set) var resolution = Resolution(
        status: initialStatus, resumeStatus: nil, setBy: nil, ineffective: [:])

    package init() {}

    package init(moves: [StatusMove]) {
        for move in moves { insert(move) }
    }

    /// The outcome of the replay.
    package struct Resolution: Hashable, Sendable {
        package var status: OrderStatus
        /// Where a suspended order returns to; nil unless `status` is on_hold or exception.
        package var resumeStatus: OrderStatus?
        /// The move that set `status`; nil for the initial status.
        package var setBy: StatusMove?
        /// Moves that did not take effect, with why.
        package var ineffective: [ChangeRef: Supersession]
    }

    /// Why a move did not take effect: the status in effect at its point of the replay, the move
    /// that had set it, and the rule.
    package struct Supersession: Hashable, Sendable {
        package var statusInEffect: OrderStatus
        package var setBy: StatusMove?
        package var rule: ConflictRule
    }

    package var status: OrderStatus { resolution.status }

    /// Adds a move (idempotent) and replays. Returns false when the move was already present.
    @discardableResult
    package mutating func insert(_ move: StatusMove) -> Bool {
        let index = moves.partitionPoint { $0.key < move.key }
        if index < moves.count, moves[index].key == move.key { return false }
        moves.insert(move, at: index)
        if index == moves.count - 1 {
            // Appending at the end only extends the replay.
            var state = resolution
            Self.step(move, &state)
            resolution = state
        } else {
            resolution = Self.resolve(moves)
        }
        return true
    }

    /// Replays `moves` (sorted by stamp).
    package static func resolve(_ moves: [StatusMove]) -> Resolution {
        var state = Resolution(status: initialStatus, resumeStatus: nil, setBy: nil, ineffective: [:])
        for move in moves { step(move, &state) }
        return state
    }

    static func step(_ move: StatusMove, _ state: inout Resolution) {
        if state.status.isTerminal {
            state.ineffective[move.ref] = Supersession(
                statusInEffect: state.status, setBy: state.setBy, rule: .orderClosed)
        } else if move.to.isTerminal {
            state.status = move.to
            state.resumeStatus = nil
            state.setBy = move
        } else if move.to == state.status {
            // Agrees with the status in effect: nothing to change, nothing lost.
        } else if OrderLifecycle.allowedTransitions(from: state.status, resumeStatus: state.resumeStatus).contains(
            move.to)
        {
            state.resumeStatus = OrderLifecycle.resumeStatus(
                after: state.status, to: move.to, previousResume: state.resumeStatus)
            state.status = move.to
            state.setBy = move
        } else {
            state.ineffective[move.ref] = Supersession(
                statusInEffect: state.status, setBy: state.setBy, rule: .statusNotAllowed)
        }
    }
}

extension Array {
    /// The first index whose element does not satisfy `belongsBefore` (the array is partitioned).
    func partitionPoint(_ belongsBefore: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsBefore(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
