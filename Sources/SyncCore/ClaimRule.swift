import OrderDomain

/// One `order_claims` record: a claim ("I'm cutting this one") or the release of one.
package struct ClaimEvent: Hashable, Sendable {
    package enum Action: String, CaseIterable, Sendable {
        case claim, release
    }

    /// The record's row id.
    package var id: String
    package var stamp: HLCStamp
    package var action: Action
    /// The order's status when the claim was made (for a release: the released claim's stage).
    package var stage: OrderStatus
    /// The claimer (account e-mail); for a release, whose claim it releases.
    package var claimedBy: String
    /// For a release: the claim it releases (only that one, whoever holds the order now).
    package var releasedClaimID: String?

    package init(
        id: String, stamp: HLCStamp, action: Action, stage: OrderStatus, claimedBy: String, releasedClaimID: String?
    ) {
        self.id = id
        self.stamp = stamp
        self.action = action
        self.stage = stage
        self.claimedBy = claimedBy
        self.releasedClaimID = releasedClaimID
    }
}

/// Who holds an order of the queue: a pure function of the *set* of its claim records and
/// status history entries, so every replica agrees whatever order they arrived in
/// (CONFLICT-RULES.md §3.8). Replay everything in stamp order (HLC, then node id, then row id):
///
/// 1. a status history entry to another status than the holder's stage ends the claim (the
///    order left the stage: released automatically);
/// 2. a claim made for a stage the order had already left at that point of the replay is void;
/// 3. a claim when nobody holds the order takes it; a claim while someone holds it in the same
///    stage loses (`claim_taken`): the earliest claim wins among concurrent ones;
/// 4. a release ends the claim it names if that claim is the one held, and does nothing
///    otherwise (it releases only the claim its author saw).
///
/// At the end the holder counts only while the order is still in the claim's stage.
package enum ClaimRule {
    /// A status history entry, as far as claims care.
    package struct Move: Hashable, Sendable {
        package var id: String
        package var stamp: HLCStamp
        package var to: OrderStatus

        package init(id: String, stamp: HLCStamp, to: OrderStatus) {
            self.id = id
            self.stamp = stamp
            self.to = to
        }
    }

    package struct Lost: Hashable, Sendable {
        package var claim: ClaimEvent
        /// The claim that held the order when this one was made.
        package var winner: ClaimEvent
    }

    package struct Resolution: Hashable, Sendable {
        /// The claim in effect, if any.
        package var holder: ClaimEvent?
        /// Claims that lost to an earlier one, in stamp order.
        package var lost: [Lost]

        package init(holder: ClaimEvent?, lost: [Lost]) {
            self.holder = holder
            self.lost = lost
        }
    }

    package static func resolve(_ events: [ClaimEvent], moves: [Move], status: OrderStatus) -> Resolution {
        enum Step {
            case move(Move)
            case event(ClaimEvent)

            var key: (HLCStamp, Int, String) {
                switch self {
                case .move(let move): (move.stamp, 0, move.id)
                case .event(let event): (event.stamp, 1, event.id)
                }
            }
        }
        let steps = (moves.map(Step.move) + events.map(Step.event)).sorted { $0.key < $1.key }
        var holder: ClaimEvent?
        var replayedStatus: OrderStatus?
        var lost: [Lost] = []
        for step in steps {
            switch step {
            case .move(let move):
                replayedStatus = move.to
                if let held = holder, held.stage != move.to { holder = nil }
            case .event(let event) where event.action == .claim:
                if let replayedStatus, replayedStatus != event.stage { continue }
                if let held = holder, held.stage == event.stage {
                    lost.append(Lost(claim: event, winner: held))
                } else {
                    holder = event
                }
            case .event(let event):
                if holder?.id == event.releasedClaimID { holder = nil }
            }
        }
        if holder?.stage != status { holder = nil }
        return Resolution(holder: holder, lost: lost)
    }
}
