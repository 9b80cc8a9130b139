import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Who holds an order of the queue, as a screen shows it.
package struct ClaimHolder: Hashable, Sendable {
    package var claimID: String
    /// The claimer's account e-mail.
    package var email: String
    /// Their name as this replica's accounts know it (the e-mail when unknown here).
    package var name: String
    /// When the claim was made (`created_at`).
    package var at: String
    package var stage: OrderStatus
}

/// Queue claims through the single write path: a claim or release is an `order_claims` append,
/// checked by the permission matrix and queued in the outbox like any edit; who holds an order
/// is `ClaimRule.resolve` over the visible claim records and status history.
extension OrderStore {
    /// Claims the order for the signed-in person in the stage it is in now.
    @discardableResult
    package func claimOrder(_ reference: String, by actor: StaffActor) throws(StoreError) -> ClaimHolder {
        try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            try QueueClaim.checkClaimable(order.status)
            if let held = try Self.claimHolder(db, order: order) {
                if held.email == actor.email { throw OrderValidationError.alreadyYourClaim }
                throw OrderValidationError.claimHeld(by: held.name, since: held.at)
            }
            let id = RowID.make()
            try appendClaim(
                db, &recorder, id: id, orderID: order.id, action: .claim, stage: order.status, claimedBy: actor.email,
                releasedClaimID: nil)
            return ClaimHolder(
                claimID: id, email: actor.email, name: actor.name, at: recorder.nowText, stage: order.status)
        }
    }

    /// Releases the claim in effect: one's own (`claim_orders`) or, for a manager, anyone's.
    /// Returns the claim released.
    @discardableResult
    package func releaseClaim(_ reference: String, by actor: StaffActor) throws(StoreError) -> ClaimHolder {
        try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            guard let held = try Self.claimHolder(db, order: order) else { throw OrderValidationError.notClaimed }
            try appendClaim(
                db, &recorder, id: RowID.make(), orderID: order.id, action: .release, stage: held.stage,
                claimedBy: held.email, releasedClaimID: held.claimID)
            return held
        }
    }

    /// Who holds the order now, if anyone.
    package func claimHolder(_ reference: String) throws(StoreError) -> ClaimHolder? {
        try read { db in try Self.claimHolder(db, order: try resolveOrder(db, reference)) }
    }

    private func appendClaim(
        _ db: Database, _ recorder: inout ChangeRecorder, id: String, orderID: String, action: ClaimEvent.Action,
        stage: OrderStatus, claimedBy: String, releasedClaimID: String?
    ) throws {
        try recorder.record(
            db, entity: .claim, rowID: id, orderID: orderID, operation: .append,
            fields: [
                "order_id": .text(orderID),
                "claim_action": .text(action.rawValue),
                "stage": .text(stage.rawValue),
                "claimed_by": .text(claimedBy),
                "released_claim_id": .optionalText(releasedClaimID),
                "created_at": .text(recorder.nowText),
            ])
        try db.execute(
            sql: """
                INSERT INTO order_claims (id, order_id, claim_action, stage, claimed_by, released_claim_id, created_at,
                  hlc, node_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, orderID, action.rawValue, stage.rawValue, claimedBy, releasedClaimID, recorder.nowText,
                recorder.lastHLC, recorder.nodeID,
            ])
        try touch(db, orderID: orderID, now: recorder.nowText)
    }

    /// The claim in effect on `order`, from its visible claim records and status history.
    static func claimHolder(_ db: Database, order: OrderRecord) throws -> ClaimHolder? {
        try claimHolders(db, orders: [order])[order.id] ?? nil
    }

    /// The holders of several orders at once (the queue); orders without claims cost one lookup.
    static func claimHolders(_ db: Database, orders: [OrderRecord]) throws -> [String: ClaimHolder?] {
        var holders: [String: ClaimHolder?] = [:]
        for order in orders {
            let resolution = try claimResolution(db, orderID: order.id, status: order.status)
            guard let held = resolution.holder else { continue }
            let name = try String.fetchOne(
                db.cachedStatement(sql: "SELECT name FROM accounts WHERE email = ?"), arguments: [held.claimedBy])
            let at = try String.fetchOne(
                db.cachedStatement(sql: "SELECT created_at FROM order_claims WHERE id = ?"), arguments: [held.id])
            holders[order.id] = ClaimHolder(
                claimID: held.id, email: held.claimedBy, name: name ?? held.claimedBy, at: at ?? "", stage: held.stage)
        }
        return holders
    }

    /// `ClaimRule` over one order's visible claim records and status history.
    static func claimResolution(_ db: Database, orderID: String, status: OrderStatus) throws -> ClaimRule.Resolution {
        let events = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM order_claims WHERE order_id = ?"), arguments: [orderID]
        ).map(claimEvent)
        guard !events.isEmpty else { return ClaimRule.Resolution(holder: nil, lost: []) }
        let moves = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, to_status, hlc, node_id FROM order_status_history WHERE order_id = ?"),
            arguments: [orderID]
        ).map { row in
            ClaimRule.Move(
                id: row["id"], stamp: try stamp(row),
                to: try Decode.value(OrderStatus.self, row, "to_status", table: "order_status_history"))
        }
        return ClaimRule.resolve(events, moves: moves, status: status)
    }

    static func claimEvent(_ row: Row) throws -> ClaimEvent {
        ClaimEvent(
            id: row["id"], stamp: try stamp(row),
            action: try Decode.value(ClaimEvent.Action.self, row, "claim_action", table: "order_claims"),
            stage: try Decode.value(OrderStatus.self, row, "stage", table: "order_claims"),
            claimedBy: row["claimed_by"], releasedClaimID: row["released_claim_id"])
    }

    private static func stamp(_ row: Row) throws -> HLCStamp {
        HLCStamp(
            hlc: try row.value("hlc", table: "order_claims", as: HLC.self),
            nodeID: try row.value("node_id", table: "order_claims", as: String.self))
    }

    /// After a merge: each claim of this workstation that lost to an earlier one in `orders`
    /// becomes a conflict (`claim_taken`, once), so its claimer sees who has the order. Central
    /// never reports these (claims merge by union); every replica finds the same losers.
    func recordLostClaims(_ db: Database, orders: Set<String>, nowText: String) throws -> Int {
        guard !orders.isEmpty else { return 0 }
        let mine = try String.fetchAll(
            db.cachedStatement(
                sql: "SELECT DISTINCT order_id FROM order_claims WHERE node_id = ? AND claim_action = 'claim'"),
            arguments: [identity.nodeID])
        var recorded = 0
        for orderID in mine where orders.contains(orderID) {
            guard
                let status = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT status FROM orders WHERE id = ?"), arguments: [orderID]
                ).flatMap(OrderStatus.init(rawValue:))
            else { continue }
            let resolution = try Self.claimResolution(db, orderID: orderID, status: status)
            for lost in resolution.lost where lost.claim.stamp.nodeID == identity.nodeID {
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM outbox WHERE entity = ? AND row_id = ?"),
                        arguments: [EntityKind.claim.rawValue, lost.claim.id])
                else { continue }
                let change = try Self.change(row, nodeID: identity.nodeID)
                let winner = lost.winner
                let confirmed = try ConfirmedState.rows(db, orderID: orderID)[RowKey(.claim, winner.id)]?.appended
                let message =
                    "\(winner.claimedBy) claimed the order first (\(winner.stage.rawValue), "
                    + "at \(winner.stamp.hlc.utcText)); the earliest claim wins"
                recorded += try recordConflict(
                    db,
                    NodeConflict(
                        change: change, field: "claimed_by", wanted: .text(lost.claim.claimedBy),
                        winner: StampedValue(
                            value: .text(winner.claimedBy), stamp: winner.stamp, sequence: confirmed?.sequence ?? 0,
                            version: confirmed?.version ?? 0),
                        kind: .superseded(.claimTaken), message: message),
                    now: nowText)
            }
        }
        return recorded
    }
}
