import Foundation
import OrderDomain
import PropertyBased
import TestSupport
import Testing

@testable import SyncCore

/// Queue claims (CONFLICT-RULES.md §3.8): the earliest claim wins among concurrent ones, a
/// release releases only the claim it names, leaving the stage ends a claim; and the holder is
/// the same whatever order the records arrive in.
@Suite struct ClaimRuleTests {
    static let cases = ProcessInfo.processInfo.environment["KCT_PROPERTY_CASES"].flatMap(Int.init) ?? 250

    static func stamp(_ millis: UInt64, _ node: String) -> HLCStamp {
        HLCStamp(hlc: HLC(millis: millis, counter: 0), nodeID: node)
    }

    static func claim(_ id: String, at: UInt64, node: String, stage: OrderStatus = .inProduction) -> ClaimEvent {
        ClaimEvent(
            id: id, stamp: stamp(at, node), action: .claim, stage: stage, claimedBy: "\(node)@kct.example",
            releasedClaimID: nil)
    }

    static func release(_ id: String, of claim: ClaimEvent, at: UInt64, node: String) -> ClaimEvent {
        ClaimEvent(
            id: id, stamp: stamp(at, node), action: .release, stage: claim.stage, claimedBy: claim.claimedBy,
            releasedClaimID: claim.id)
    }

    static func move(_ id: String, to: OrderStatus, at: UInt64, node: String = "w0") -> ClaimRule.Move {
        ClaimRule.Move(id: id, stamp: stamp(at, node), to: to)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var events: [ClaimEvent]
        var moves: [ClaimRule.Move]
        var status: OrderStatus
        var holder: String?
        var lost: [String]
        var testDescription: String { name }
    }

    static let entered = move("m1", to: .inProduction, at: 10)
    static let a = claim("a", at: 20, node: "w1")
    static let b = claim("b", at: 21, node: "w2")

    static let table: [Case] = [
        Case(name: "one claim holds", events: [a], moves: [entered], status: .inProduction, holder: "a", lost: []),
        Case(
            name: "the earliest of concurrent claims wins", events: [b, a], moves: [entered], status: .inProduction,
            holder: "a", lost: ["b"]),
        Case(
            name: "equal times: the node id decides",
            events: [claim("x", at: 20, node: "w9"), claim("y", at: 20, node: "w1")], moves: [entered],
            status: .inProduction, holder: "y", lost: ["x"]),
        Case(
            name: "a release frees the order; the loser stays lost",
            events: [a, b, release("r", of: a, at: 30, node: "w1")], moves: [entered], status: .inProduction,
            holder: nil, lost: ["b"]),
        Case(
            name: "a release of a claim not held does nothing",
            events: [a, release("r", of: b, at: 30, node: "w2"), b], moves: [entered], status: .inProduction,
            holder: "a", lost: ["b"]),
        Case(
            name: "a claim after a release takes the order",
            events: [a, release("r", of: a, at: 30, node: "w3"), claim("c", at: 40, node: "w2")], moves: [entered],
            status: .inProduction, holder: "c", lost: []),
        Case(
            name: "leaving the stage ends the claim",
            events: [a], moves: [entered, move("m2", to: .qualityCheck, at: 50)], status: .qualityCheck,
            holder: nil, lost: []),
        Case(
            name: "coming back for rework does not revive the old claim",
            events: [a],
            moves: [entered, move("m2", to: .qualityCheck, at: 50), move("m3", to: .inProduction, at: 60)],
            status: .inProduction, holder: nil, lost: []),
        Case(
            name: "a claim made after the order left the stage (unseen) is void",
            events: [claim("late", at: 55, node: "w2")],
            moves: [entered, move("m2", to: .qualityCheck, at: 50), move("m3", to: .inProduction, at: 60)],
            status: .inProduction, holder: nil, lost: []),
        Case(
            name: "a second, agreeing move into the stage keeps the claim",
            events: [a], moves: [entered, move("m1b", to: .inProduction, at: 25, node: "w4")],
            status: .inProduction, holder: "a", lost: []),
        Case(
            name: "a new claim in the next stage while the old one is void",
            events: [a, claim("q", at: 70, node: "w2", stage: .qualityCheck)],
            moves: [entered, move("m2", to: .qualityCheck, at: 50)], status: .qualityCheck, holder: "q", lost: []),
    ]

    @Test(arguments: table)
    func rule(_ test: Case) {
        let resolution = ClaimRule.resolve(test.events, moves: test.moves, status: test.status)
        #expect(resolution.holder?.id == test.holder)
        #expect(resolution.lost.map(\.claim.id) == test.lost)
        for lost in resolution.lost { #expect(lost.winner.stamp < lost.claim.stamp) }
        // Any arrival order: the same answer.
        #expect(
            ClaimRule.resolve(test.events.reversed(), moves: test.moves.reversed(), status: test.status) == resolution)
    }

    /// Random claims, releases and status moves made on several workstations, delivered to a
    /// replica in random orders with duplicates: every delivery order gives the same holder and
    /// the same losers, and every loser lost to an earlier claim.
    @Test func anyDeliveryOrderGivesTheSameWinner() async {
        await propertyCheck(count: Self.cases, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var random = SplitMix64(seed: seed)
            let changes = Self.scenario(&random)
            var outcomes: Set<ClaimRule.Resolution> = []
            for _ in 0..<4 {
                var delivery = changes + changes.filter { _ in random.chance(0.3) }
                delivery.shuffle(using: &random)
                var replica = ReplicaModel()
                for change in delivery { replica.merge(change, version: 0) }
                outcomes.insert(Self.resolution(of: replica))
            }
            #expect(outcomes.count == 1, "seed \(seed)")
            guard let resolution = outcomes.first else { return }
            for lost in resolution.lost { #expect(lost.winner.stamp < lost.claim.stamp, "seed \(seed)") }
        }
    }

    /// The scenarios are worth something only if they produce holders, losers and releases.
    @Test func scenariosExerciseEveryOutcome() {
        var held = 0, lost = 0, free = 0
        for seed: UInt64 in 1...200 {
            var random = SplitMix64(seed: seed)
            var replica = ReplicaModel()
            for change in Self.scenario(&random) { replica.merge(change, version: 0) }
            let resolution = Self.resolution(of: replica)
            if resolution.holder == nil { free += 1 } else { held += 1 }
            if !resolution.lost.isEmpty { lost += 1 }
        }
        #expect(held > 20)
        #expect(free > 20)
        #expect(lost > 20)
    }

    /// An order's history and claims as changes: a path of moves along the flow, and claims and
    /// releases by four workstations at random times (each claiming the stage it last saw).
    static func scenario(_ random: inout SplitMix64) -> [Change] {
        let orderID = "order-1"
        var changes: [Change] = []
        var sequence: [String: Int64] = [:]
        func change(_ node: String, at: UInt64, entity: EntityKind, fields: [String: FieldValue]) -> Change {
            sequence[node, default: 0] += 1
            return Change(
                nodeID: node, sequence: sequence[node]!, hlc: HLC(millis: at, counter: UInt16(sequence[node]!)),
                entity: entity,
                rowID: "\(node)-\(sequence[node]!)", orderID: orderID, operation: .append,
                fields: fields.merging(["order_id": .text(orderID)]) { a, _ in a }, author: "\(node)@kct.example")
        }
        let path: [OrderStatus] = [.processing, .inProduction, .qualityCheck, .inProduction, .qualityCheck, .packaging]
        var moveTimes: [(UInt64, OrderStatus)] = []
        var time: UInt64 = 1000
        for status in path.prefix(Int.random(in: 1...path.count, using: &random)) {
            time += UInt64.random(in: 1...40, using: &random)
            moveTimes.append((time, status))
            changes.append(
                change(
                    "w0", at: time, entity: .statusHistory,
                    fields: ["to_status": .text(status.rawValue), "changed_by": .text("w0@kct.example")]))
        }
        var claims: [Change] = []
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let node = random.pick(["w1", "w2", "w3", "w4"])
            let at = UInt64.random(in: 1000...(time + 40), using: &random)
            // The stage the workstation saw: the last move it knew of, a little behind.
            let seen = moveTimes.last { $0.0 + UInt64.random(in: 0...20, using: &random) <= at }?.1 ?? .processing
            if !claims.isEmpty, random.chance(0.3) {
                let released = random.pick(claims)
                guard case .text(let claimer)? = released.fields["claimed_by"],
                    case .text(let stage)? = released.fields["stage"]
                else { continue }
                changes.append(
                    change(
                        node, at: max(at, released.hlc.millis + 1), entity: .claim,
                        fields: [
                            "claim_action": .text("release"), "stage": .text(stage), "claimed_by": .text(claimer),
                            "released_claim_id": .text(released.rowID),
                        ]))
            } else {
                let made = change(
                    node, at: at, entity: .claim,
                    fields: [
                        "claim_action": .text("claim"), "stage": .text(seen.rawValue),
                        "claimed_by": .text("\(node)@kct.example"),
                    ])
                claims.append(made)
                changes.append(made)
            }
        }
        return changes
    }

    /// The claim rule over a merged replica's rows, as a node reads them.
    static func resolution(of replica: ReplicaModel) -> ClaimRule.Resolution {
        var events: [ClaimEvent] = []
        var moves: [ClaimRule.Move] = []
        var lastMove: ClaimRule.Move?
        for (key, row) in replica.rows {
            guard let appended = row.appended else { continue }
            func text(_ name: String) -> String? {
                if case .text(let value)? = row.fields[name]?.value { return value }
                return nil
            }
            if key.entity == .statusHistory, let to = text("to_status").flatMap(OrderStatus.init(rawValue:)) {
                let move = ClaimRule.Move(id: key.rowID, stamp: appended.stamp, to: to)
                moves.append(move)
                if lastMove.map({ ($0.stamp, $0.id) < (move.stamp, move.id) }) ?? true { lastMove = move }
            } else if key.entity == .claim, let action = text("claim_action").flatMap(ClaimEvent.Action.init),
                let stage = text("stage").flatMap(OrderStatus.init(rawValue:)), let claimer = text("claimed_by")
            {
                events.append(
                    ClaimEvent(
                        id: key.rowID, stamp: appended.stamp, action: action, stage: stage, claimedBy: claimer,
                        releasedClaimID: text("released_claim_id")))
            }
        }
        return ClaimRule.resolve(events, moves: moves, status: lastMove?.to ?? .processing)
    }
}
