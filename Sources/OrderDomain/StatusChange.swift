/// One entry of an order's status history: who moved it, when, from where to where, why, and how
/// long it had been in the previous status. The first entry of an order has no `from`.
package struct StatusHistoryEntry: Hashable, Sendable {
    package var from: OrderStatus?
    package var to: OrderStatus
    package var changedBy: String
    /// Seconds since 1970 (UTC), millisecond precision.
    package var changedAtSeconds: Double
    package var note: String?
    /// Whole seconds spent in `from`; nil for the first entry.
    package var secondsInPreviousStatus: Int64?

    package init(
        from: OrderStatus?, to: OrderStatus, changedBy: String, changedAtSeconds: Double,
        note: String?, secondsInPreviousStatus: Int64?
    ) {
        self.from = from
        self.to = to
        self.changedBy = changedBy
        self.changedAtSeconds = changedAtSeconds
        self.note = note
        self.secondsInPreviousStatus = secondsInPreviousStatus
    }
}

/// A checked status move: the order's new status and resume status, and the history entry that
/// records it.
package struct StatusChange: Hashable, Sendable {
    package let status: OrderStatus
    /// Where a suspended order returns to; nil unless `status` is `on_hold` or `exception`.
    package let resumeStatus: OrderStatus?
    package let history: StatusHistoryEntry

    package static let noteLimit = 1000

    /// Validates moving an order from `current` to `target` through `OrderLifecycle`.
    /// `enteredCurrentAtSeconds` is when the order reached its current status.
    package init(
        current: OrderStatus, resumeStatus: OrderStatus?, target: OrderStatus, note: String?,
        by author: String, atSeconds now: Double, enteredCurrentAtSeconds: Double
    ) throws(StatusChangeError) {
        do {
            try OrderLifecycle.validate(from: current, to: target, resumeStatus: resumeStatus)
        } catch {
            throw .transition(error)
        }
        let checkedNote: String?
        do {
            checkedNote = try TextField.optional(note, field: "note", limit: Self.noteLimit)
        } catch {
            throw .invalid(error)
        }
        self.status = target
        self.resumeStatus = OrderLifecycle.resumeStatus(after: current, to: target, previousResume: resumeStatus)
        self.history = StatusHistoryEntry(
            from: current, to: target, changedBy: author, changedAtSeconds: now, note: checkedNote,
            secondsInPreviousStatus: Int64(max(0, now - enteredCurrentAtSeconds)))
    }
}

/// Why a status move was refused.
package enum StatusChangeError: Error, Equatable, Sendable, CustomStringConvertible {
    case transition(TransitionError)
    case invalid(OrderValidationError)

    package var description: String {
        switch self {
        case .transition(let error): error.description
        case .invalid(let error): error.description
        }
    }
}
