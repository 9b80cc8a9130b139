import OrderDomain
import StorageSupport
import SyncCore

/// What a push did, for the reply, the stream and the metrics.
package struct PushResult: Sendable {
    package var response: PushResponse
    /// Outcomes settled by this push (replayed ones are not counted), by result.
    package var settled: [ChangeOutcome.Result: Int]
    package var clamped: Int
    /// The node the push authenticated as (its registration name).
    package var nodeName: String
    /// The shops of the orders this push logged changes of: the streams its event concerns.
    package var loggedShops: Set<String> = []
    /// Provider calls the push's changes caused, recorded with them (issue 12).
    package var effectsRecorded: Int = 0
}

extension CentralStore {
    /// `POST /v1/push` with an already decoded body: authenticates the token, binds the node id
    /// on its first push, and settles the changes in ONE immediate transaction. On a thrown error
    /// nothing was committed.
    ///
    /// The push is settled first before the log's lock (on PostgreSQL, while other processes'
    /// pushes hold it), against the log at the head it reads. Under the lock it is kept if
    /// nothing it read has changed since, its versions moved to the head now, or settled again
    /// (SYNC-PROTOCOL §4.12). What it stores of the changes as received is encoded before either.
    package func push(_ request: PushRequest, token: String?, planner: EffectPlanner = .unconfigured)
        throws(ErrorResponse) -> PushResult
    {
        let tokenHash = try tokenHash(token)
        let nowMillis = wallClockMillis()
        let receivedAt = Timestamp.format(millis: nowMillis)
        let cache = self.cache
        let processor = self.processor
        do {
            let encodings = try ReceivedChangeEncodings(request.changes)
            return try database.writeWithoutTransaction { writer in
                cache.enter()
                defer { cache.leave() }
                let lookups = PushLookups()
                // The push settled against the log as the transaction sees it now.
                func settle(_ conn: any SQLConnection) throws -> PushDraft {
                    let node = try authenticate(conn, tokenHash: tokenHash)
                    let nodeID = try Self.bindingNodeID(conn, node: node, requested: request.nodeID)
                    var ledger = PushLedger(
                        conn: conn, cache: cache, node: node, nodeID: nodeID, lastSettled: node.lastSettledSequence,
                        receivedAt: receivedAt, lookups: lookups, encodings: encodings)
                    var clock = cache.clock
                    let (response, _) = try processor.process(
                        request, authenticatedNode: nodeID, nowMillis: nowMillis, clock: &clock, ledger: &ledger)
                    return PushDraft(
                        node: node, nodeID: nodeID, ledger: ledger, response: response, clock: clock,
                        baseHead: cache.headVersion, baseClock: cache.clock)
                }
                var changed: [String: OrderMergeState] = [:]
                var clock = cache.clock
                let result = try writer.transaction(preparing: { conn in
                    try cache.synchronize(conn)
                    try lookups.prefetch(request.changes, cache: cache, conn: conn)
                    var draft = try settle(conn)
                    settledBeforeLock.withLock { $0 }?()
                    // What other processes committed while it was settled is read now, so that
                    // under the lock only what they commit from here on is (§4.12).
                    let caughtUp = try cache.synchronize(conn)
                    if !draft.untouched(by: caughtUp) {
                        lookups.forget(caughtUp)
                        draft = try settle(conn)
                    }
                    return draft
                }) { conn, early, othersMayHaveWritten in
                    var draft = early
                    if othersMayHaveWritten {
                        let caughtUp = try cache.synchronize(conn)
                        let node = try authenticate(conn, tokenHash: tokenHash)
                        let nodeID = try Self.bindingNodeID(conn, node: node, requested: request.nodeID)
                        if try draft.holds(after: caughtUp, node: node, nodeID: nodeID, clock: cache.clock, conn) {
                            draft.rebase(onto: cache.headVersion, clock: cache.clock)
                        } else {
                            lookups.forget(caughtUp)
                            draft = try settle(conn)
                        }
                    }
                    let node = draft.node, nodeID = draft.nodeID
                    let ledger = draft.ledger
                    let response = draft.response
                    clock = draft.clock
                    if node.nodeID == nil { try Self.bind(conn, node: node, nodeID: nodeID, at: receivedAt) }
                    let effects = try Self.recordEffects(
                        conn, of: request, response, ledger: ledger, planner: planner, nowMillis: nowMillis)
                    try ledger.flush()
                    try conn.execute(
                        "UPDATE central_state SET hlc_last = ?, head_version = ?", clock.last, ledger.headVersion)
                    var settled: [ChangeOutcome.Result: Int] = [:]
                    var clamped = 0
                    for outcome in response.outcomes where !outcome.replayed {
                        settled[outcome.result, default: 0] += 1
                        if outcome.clampedFrom != nil { clamped += 1 }
                    }
                    changed = ledger.changedOrders
                    let loggedShops = try ledger.loggedShops()
                    if !ledger.logEntries.isEmpty {
                        try announceLogAdvance(conn, head: ledger.headVersion, shops: loggedShops)
                    }
                    return PushResult(
                        response: response, settled: settled, clamped: clamped, nodeName: node.name,
                        loggedShops: loggedShops, effectsRecorded: effects)
                }
                // Committed: the cache takes the push's state before the next writer starts.
                cache.commit(changed, clock: clock, headVersion: result.response.headVersion)
                return result
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// The effects of the push's accepted changes, recorded in its transaction. Only changes
    /// that `mayCause` one are looked at further: the cost per ordinary change is that test.
    static func recordEffects(
        _ conn: any SQLConnection, of request: PushRequest, _ response: PushResponse, ledger: PushLedger,
        planner: EffectPlanner, nowMillis: UInt64
    ) throws -> Int {
        var drafts: [EffectDraft] = []
        for (change, outcome) in zip(request.changes, response.outcomes)
        where planner.mayCause(change) && !outcome.replayed && outcome.result != .rejected {
            let state = ledger.changedOrders[change.orderID] ?? ledger.cache.order(change.orderID, conn)
            guard let order = OrderFacts(orderID: change.orderID, state: state) else { continue }
            drafts += planner.effects(of: change, order: order)
        }
        return try record(conn, drafts, nowMillis: nowMillis)
    }

    /// `POST /v1/push` from the body bytes (already gunzipped and size-checked).
    package func push(body: [UInt8], token: String?, planner: EffectPlanner = .unconfigured)
        throws(ErrorResponse) -> PushResult
    {
        // The token is checked before the body is read: a stranger learns nothing about parsing.
        _ = try authenticate(token: token)
        let request: PushRequest
        do {
            request = try PushRequest.decode(body)
        } catch {
            throw ErrorResponse(error)
        }
        return try push(request, token: token, planner: planner)
    }

    /// The node id a push is settled as. A registration is bound to the node id of its first
    /// push and to nothing else after; a node id already bound to another registration is refused.
    static func bindingNodeID(_ conn: any SQLConnection, node: NodeRecord, requested: String) throws -> String {
        if let bound = node.nodeID { return bound }
        if let other: String = try conn.fetchValue("SELECT name FROM nodes WHERE node_id = ?", [.text(requested)]) {
            throw ErrorResponse(
                code: .forbidden,
                message: "node id \(requested) is registered as \(other); this token belongs to \(node.name)")
        }
        return requested
    }
}
