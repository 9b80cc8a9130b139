/// A node's replica in memory: the reference for the node daemon's store, and the simulated
/// node of the convergence tests.
///
/// - `confirmed` holds only changes central has logged (pulled, or acknowledged by a push).
/// - `pending` is the outbox: local edits not yet settled by central, in sequence order.
/// - `view` is what staff see: `confirmed` with `pending` merged over it. Merging is
///   order-independent, so server changes slide *under* pending edits: a pending edit stays
///   visible unless a change with a later stamp beats it, and then it is certain to lose at
///   central too. A rejected edit leaves `pending`, so it leaves the view, into `conflicts`.
/// - `conflicts` keeps every one of this node's edits that lost or was rejected.
package struct NodeReplica: Sendable {
    package let nodeID: String
    package var clock: HybridLogicalClock
    package private(set) var confirmed = ReplicaModel()
    package private(set) var pending: [Change] = []
    package private(set) var view = ReplicaModel()
    /// The last log version merged into `confirmed` (the pull cursor).
    package private(set) var cursor: Int64 = 0
    package private(set) var nextSequence: Int64 = 1
    /// Every change this node made, by sequence (the store's outbox history): a conflict names
    /// the losing change, and the node shows it with who, when and what it wanted.
    package private(set) var made: [Int64: Change] = [:]
    package private(set) var conflicts: [ConflictKey: NodeConflict] = [:]

    package init(nodeID: String, clock: HybridLogicalClock = HybridLogicalClock()) {
        self.nodeID = nodeID
        self.clock = clock
    }

    /// Records a local edit: stamps it, queues it, shows it. The caller has validated it
    /// against `view` (with `ChangeValidator` and OrderDomain).
    @discardableResult
    package mutating func edit(
        entity: EntityKind, rowID: String, orderID: String, operation: ChangeOperation,
        fields: [String: FieldValue], author: String, nowMillis: UInt64
    ) throws(HLCError) -> Change {
        let hlc = try clock.tick(nowMillis: nowMillis)
        let change = Change(
            nodeID: nodeID, sequence: nextSequence, hlc: hlc, entity: entity, rowID: rowID, orderID: orderID,
            operation: operation, fields: fields, author: author, baseVersion: cursor)
        nextSequence += 1
        pending.append(change)
        made[change.sequence] = change
        view.merge(change, version: 0)
        return change
    }

    /// The next push: the oldest pending changes.
    package func pushRequest(limit: Int = ProtocolLimits.maximumChangesPerPush) -> PushRequest? {
        guard !pending.isEmpty else { return nil }
        return PushRequest(nodeID: nodeID, changes: Array(pending.prefix(limit)))
    }

    /// Settles pending changes from a push reply: accepted ones move to `confirmed` (with
    /// central's version and timestamp), losers and rejections go to `conflicts`. A reply
    /// that arrives twice changes nothing the second time.
    package mutating func receive(_ response: PushResponse) {
        var settled: Set<Int64> = []
        for outcome in response.outcomes {
            guard var change = made[outcome.sequence], pending.contains(where: { $0.sequence == outcome.sequence })
            else { continue }
            settled.insert(outcome.sequence)
            switch outcome.result {
            case .applied, .superseded:
                if let hlc = outcome.hlc {
                    change.hlc = hlc
                    made[change.sequence] = change
                    clock.advance(past: hlc)
                }
                confirmed.merge(change, version: outcome.version ?? 0)
                for conflict in outcome.conflicts { record(NodeConflict(change: change, conflict: conflict)) }
            case .rejected:
                if let reason = outcome.reason { record(NodeConflict(change: change, rejection: reason)) }
            }
        }
        pending.removeAll { settled.contains($0.sequence) }
        rebuildView()
    }

    /// Merges a pulled page and advances the cursor (one transaction in the real store).
    package mutating func merge(_ page: PullResponse) {
        for entry in page.entries where entry.version > cursor {
            confirmed.merge(entry.change, version: entry.version)
            for conflict in entry.displaced where conflict.loser.nodeID == nodeID {
                if let change = made[conflict.loser.sequence] {
                    record(NodeConflict(change: change, conflict: conflict))
                }
            }
            // Later local edits must sort after everything seen.
            clock.advance(past: entry.change.hlc)
        }
        cursor = max(cursor, page.nextCursor)
        rebuildView()
    }

    /// Rebuilds `view` as `confirmed` with `pending` merged over it. A real store redoes only
    /// the rows the pending changes touch.
    mutating func rebuildView() {
        var rebuilt = confirmed
        for change in pending { rebuilt.merge(change, version: 0) }
        view = rebuilt
    }

    private mutating func record(_ conflict: NodeConflict) {
        if conflicts[conflict.key] == nil { conflicts[conflict.key] = conflict }
    }
}
