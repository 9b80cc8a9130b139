/// The transition table of an order's status. Written down in `protocol/ORDER-LIFECYCLE.md`;
/// this is the one implementation of it.
///
/// - Forward: each status on `OrderStatus.forwardFlow` may move to the next one.
/// - Rework: `quality_check → in_production`.
/// - Suspension: `on_hold` and `exception` are entered from any non-terminal status, may switch
///   between each other, and are left back to the status the order had before it was suspended
///   (its *resume status*).
/// - Cancellation: to `cancelled` from any status before `shipped` (a suspended order: when its
///   resume status is before `shipped`).
/// - Refund: to `refunded` from any non-terminal status after payment, i.e. from
///   `payment_confirmed` up to `delivered` (a suspended order: judged by its resume status).
/// - Terminal statuses (`completed`, `cancelled`, `refunded`) have no way out.
package enum OrderLifecycle {
    /// Every status `from` may move to. `resumeStatus` is where a suspended order returns to; it
    /// is ignored unless `from` is `on_hold` or `exception`.
    package static func allowedTransitions(from: OrderStatus, resumeStatus: OrderStatus? = nil) -> [OrderStatus] {
        if from.isTerminal { return [] }
        var allowed: [OrderStatus] = []
        // The status whose position on the flow decides cancel and refund.
        let anchor: OrderStatus
        if from.isSuspension {
            anchor = resumeStatus ?? .pendingPayment
            if let resume = resumeStatus, !resume.isSuspension, !resume.isTerminal {
                allowed.append(resume)
            }
            allowed.append(from == .onHold ? .exception : .onHold)
        } else {
            anchor = from
            if let index = from.flowIndex, index + 1 < OrderStatus.forwardFlow.count {
                allowed.append(OrderStatus.forwardFlow[index + 1])
            }
            if from == .qualityCheck { allowed.append(.inProduction) }
            allowed.append(contentsOf: [.onHold, .exception])
        }
        if let index = anchor.flowIndex {
            if index < OrderStatus.forwardFlow.firstIndex(of: .shipped)! { allowed.append(.cancelled) }
            if index >= OrderStatus.forwardFlow.firstIndex(of: .paymentConfirmed)!,
                index <= OrderStatus.forwardFlow.firstIndex(of: .delivered)!
            {
                allowed.append(.refunded)
            }
        }
        return allowed
    }

    /// Checks one move. Throws `TransitionError` naming the allowed moves when it is refused.
    package static func validate(from: OrderStatus, to: OrderStatus, resumeStatus: OrderStatus? = nil)
        throws(TransitionError)
    {
        let allowed = allowedTransitions(from: from, resumeStatus: resumeStatus)
        guard allowed.contains(to) else {
            throw TransitionError(from: from, to: to, allowed: allowed)
        }
    }

    /// The resume status after a move: entering a suspension remembers where the order was;
    /// switching between suspensions keeps it; leaving one clears it.
    package static func resumeStatus(after from: OrderStatus, to: OrderStatus, previousResume: OrderStatus?)
        -> OrderStatus?
    {
        guard to.isSuspension else { return nil }
        return from.isSuspension ? previousResume : from
    }
}

/// A refused status move, with the moves that would have been accepted.
package struct TransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    package let from: OrderStatus
    package let to: OrderStatus
    package let allowed: [OrderStatus]

    package var description: String {
        if from == to { return "order is already \(from)" }
        if allowed.isEmpty {
            return "cannot move from \(from) to \(to): \(from) is terminal, no further moves are allowed"
        }
        return "cannot move from \(from) to \(to); allowed from \(from): "
            + allowed.map(\.rawValue).joined(separator: ", ")
    }
}
