/// Queue claims: a member of staff takes an order of the queue ("I'm cutting this one") for the
/// stage it is in now. Who holds an order when claims meet after being made apart is settled by
/// SyncCore's `ClaimRule`; these are the rules for making one.
package enum QueueClaim {
    /// Open work can be claimed; a suspended (on hold, exception) or closed order cannot.
    package static func checkClaimable(_ status: OrderStatus) throws(OrderValidationError) {
        guard !status.isTerminal, !status.isSuspension else { throw .notClaimable(status: status.rawValue) }
    }
}
