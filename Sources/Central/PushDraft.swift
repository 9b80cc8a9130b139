import StorageSupport
import SyncCore

/// A push settled before the log's lock, against the log at head `baseHead` (SYNC-PROTOCOL
/// §4.12): what its ledger would write, its reply and central's clock after it. Kept under the
/// lock when nothing it read has changed since (`holds`), with its versions moved onto the head
/// then (`rebase`); otherwise the push is settled again under the lock.
struct PushDraft {
    var node: NodeRecord
    var nodeID: String
    var ledger: PushLedger
    var response: PushResponse
    var clock: HybridLogicalClock
    let baseHead: Int64
    let baseClock: HybridLogicalClock

    /// Whether settling the push now, under the lock, would decide every change as the draft
    /// did. `caughtUp` is what entries other processes appended since `baseHead`
    /// (`ReplicaCache.synchronize`); `node`, the node id it is settled as, and `clock`
    /// (central's) are as they are now. Every change to an order's shop, rows or status moves
    /// comes with an entry naming the order and the row, so the orders and rows the draft read
    /// are unchanged when no such entry names them. The registration (revoked, bound, its last
    /// settled sequence) and the authors' accounts change without entries: they are compared.
    /// A push central re-stamped while its clock moved is settled again.
    func holds(
        after caughtUp: ReplicaCache.CatchUp, node current: NodeRecord, nodeID currentNodeID: String,
        clock now: HybridLogicalClock, _ conn: any SQLConnection
    ) throws -> Bool {
        guard current == node, currentNodeID == nodeID, untouched(by: caughtUp) else { return false }
        let restamped = response.outcomes.contains { !$0.replayed && $0.clampedFrom != nil }
        if restamped, now.last != baseClock.last { return false }
        return try ledger.lookups.accountsUnchanged(conn)
    }

    /// Whether no entry of `caughtUp` names an order or a row the draft read. Checked once before
    /// the lock, for what other processes committed while the push was settled, and under it
    /// for what they committed after (`holds`): together, every entry since `baseHead`.
    func untouched(by caughtUp: ReplicaCache.CatchUp) -> Bool {
        switch caughtUp {
        case .nothing: return true
        case .everything: return false
        case .entries(let orders, let rows):
            let read = ledger.lookups
            return orders.isDisjoint(with: read.readOrders) && rows.isDisjoint(with: read.readRows)
        }
    }

    /// Moves the draft onto the head and clock as they are under the lock: its versions follow
    /// the entries appended since `baseHead`, and the clock stays ahead of both.
    mutating func rebase(onto head: Int64, clock now: HybridLogicalClock) {
        if head != baseHead {
            let shift = VersionShift(base: baseHead, offset: head - baseHead)
            ledger.shiftVersions(shift)
            response = response.shifted(shift)
        }
        if now.last != baseClock.last {
            var merged = now
            merged.advance(past: clock.last)
            clock = merged
        }
    }
}
