import OrderDomain
import Testing

@testable import SyncCore

/// The status register (CONFLICT-RULES.md §3.2): replay in stamp order, lifecycle-checked,
/// terminal statuses absorbing. Each example of the document is a test here.
@Suite struct StatusRuleTests {
    let create = Build.createOrder()
    /// pending_payment → payment_confirmed → processing, by W0 at t1, t2.
    var processing: [Change] {
        [
            create,
            Build.move("W0", 2, at: 1, from: "pending_payment", to: "payment_confirmed"),
            Build.move("W0", 3, at: 2, from: "payment_confirmed", to: "processing"),
        ]
    }

    func status(_ changes: [Change]) -> StatusRegister.Resolution {
        Build.replica(changes).status(ofOrder: "o-1")
    }

    @Test func newOrderIsPendingPayment() {
        #expect(status([create]).status == .pendingPayment)
    }

    @Test func lateOfflineEditDoesNotReopenACancelledOrder() {
        let cancel = Build.move("W1", 1, at: 9, from: "processing", to: "cancelled")
        let offlineBefore = Build.move("W2", 1, at: 5, from: "processing", to: "in_production")
        let offlineAfter = Build.move("W2", 1, at: 12, from: "processing", to: "in_production")
        #expect(status(processing + [cancel, offlineBefore]).status == .cancelled)
        #expect(status(processing + [cancel, offlineAfter]).status == .cancelled)
        #expect(Build.allOrdersAgree(processing + [cancel, offlineBefore]))
        var replica = Build.replica(processing + [cancel])
        let report = replica.merge(offlineAfter, version: 9)
        #expect(report.result.losses.first?.rule == .orderClosed)
        #expect(report.result.losses.first?.winner?.value == .text("cancelled"))
    }

    @Test func earliestTerminalMoveWinsAndReportsWhatItDisplaced() throws {
        var flow = processing
        let steps = [
            "processing", "in_production", "quality_check", "packaging", "shipped", "out_for_delivery", "delivered",
            "completed",
        ]
        for (index, pair) in zip(steps, steps.dropFirst()).enumerated() {
            flow.append(Build.move("W1", Int64(index + 1), at: UInt64(10 + index), from: pair.0, to: pair.1))
        }
        #expect(status(flow).status == .completed)
        // W3 cancelled at t3 from processing, having merged only the first three versions.
        let lateCancel = Build.move("W3", 1, at: 3, from: "processing", to: "cancelled", base: 3)
        var replica = Build.replica(flow)
        let report = replica.merge(lateCancel, version: Int64(flow.count + 1))
        #expect(replica.status(ofOrder: "o-1").status == .cancelled)
        #expect(report.result.losses.isEmpty)
        #expect(report.result.displaced.count == 7)
        #expect(report.result.displaced.allSatisfy { $0.loser.nodeID == "W1" && $0.rule == .orderClosed })
        #expect(Build.allOrdersAgree(Array(flow.suffix(3)) + Array(processing) + [lateCancel]))
    }

    @Test func concurrentForwardMovesResolveByStamp() {
        let toQC = [
            Build.move("W0", 4, at: 3, from: "processing", to: "in_production"),
            Build.move("W0", 5, at: 4, from: "in_production", to: "quality_check"),
        ]
        let packaging = Build.move("W1", 1, at: 10, from: "quality_check", to: "packaging")
        let rework = Build.move("W2", 1, at: 11, from: "quality_check", to: "in_production")
        let base = processing + toQC
        #expect(status(base + [rework, packaging]).status == .packaging)
        #expect(
            Build.replica(base + [packaging, rework]).statusRegisters["o-1"]?.resolution.ineffective[rework.ref]?.rule
                == .statusNotAllowed)
        let earlyRework = Build.move("W2", 1, at: 9, from: "quality_check", to: "in_production")
        #expect(status(base + [packaging, earlyRework]).status == .inProduction)
        #expect(Build.allOrdersAgree([packaging, rework] + base.suffix(2)))
    }

    @Test func compatibleConcurrentMovesBothTakeEffect() {
        let production = Build.move("W1", 1, at: 10, from: "processing", to: "in_production")
        let hold = Build.move("W2", 1, at: 11, from: "processing", to: "on_hold")
        let result = status(processing + [hold, production])
        #expect(result.status == .onHold && result.resumeStatus == .inProduction)
        #expect(result.ineffective.isEmpty)
    }

    @Test func aHoldBlocksConcurrentLaterProgress() {
        let hold = Build.move("W1", 1, at: 10, from: "processing", to: "on_hold")
        let progress = Build.move("W2", 1, at: 11, from: "processing", to: "in_production")
        let result = status(processing + [progress, hold])
        #expect(result.status == .onHold && result.resumeStatus == .processing)
        #expect(result.ineffective[progress.ref]?.statusInEffect == .onHold)
        let earlier = Build.move("W2", 1, at: 9, from: "processing", to: "in_production")
        #expect(status(processing + [hold, earlier]).resumeStatus == .inProduction)
    }

    @Test func leavingASuspensionGoesBackToTheReplayedResumeStatus() {
        let hold = Build.move("W1", 1, at: 10, from: "processing", to: "on_hold")
        let toException = Build.move("W1", 2, at: 11, from: "on_hold", to: "exception", resume: "processing")
        let release = Build.move("W1", 3, at: 12, from: "exception", to: "processing", resume: "processing")
        let releaseAgain = Build.move("W2", 1, at: 13, from: "exception", to: "processing", resume: "processing")
        let result = status(processing + [hold, toException, release, releaseAgain])
        #expect(result.status == .processing && result.resumeStatus == nil && result.ineffective.isEmpty)
    }

    @Test func theSameMoveTwiceAgrees() {
        let a = Build.move("W1", 1, at: 10, from: "processing", to: "in_production")
        let b = Build.move("W2", 1, at: 11, from: "processing", to: "in_production")
        var replica = Build.replica(processing + [a])
        #expect(replica.merge(b, version: 9).result.losses.isEmpty)
        #expect(replica.status(ofOrder: "o-1").status == .inProduction)
    }

    @Test func staleCancelAfterShippingStillClosesTheOrder() {
        // Terminal moves are checked where they were made; in the replay they are final.
        var shipped = processing
        for (index, pair) in [
            ("processing", "in_production"), ("in_production", "quality_check"), ("quality_check", "packaging"),
            ("packaging", "shipped"),
        ].enumerated() {
            shipped.append(Build.move("W1", Int64(index + 1), at: UInt64(10 + index), from: pair.0, to: pair.1))
        }
        let cancel = Build.move("W2", 1, at: 20, from: "packaging", to: "cancelled")
        #expect(status(shipped + [cancel]).status == .cancelled)
    }

    @Test func everyMoveTheLifecycleAllowsTakesEffectInTheReplay() {
        // Along the forward flow, and from a hold entered at each point, every allowed move
        // made from the status in effect takes effect; every other move is rejected on
        // acceptance, and a non-terminal one would not take effect in the replay either.
        var replica = Build.replica([create])
        var current = OrderStatus.pendingPayment
        var sequence: Int64 = 2
        var second: UInt64 = 1
        func check(_ replica: ReplicaModel, from: OrderStatus, resume: OrderStatus?) {
            let allowed = OrderLifecycle.allowedTransitions(from: from, resumeStatus: resume)
            for target in OrderStatus.allCases where target != from {
                var branch = replica
                let move = Build.move(
                    "W9", 1, at: second + 100, from: from.rawValue, to: target.rawValue, resume: resume?.rawValue)
                if !allowed.contains(target) {
                    // Refused on acceptance: a move illegal where it was made never reaches a merge.
                    #expect(throws: Rejection.self, "\(from) → \(target)") {
                        try ChangeValidator.validate(move, against: branch)
                    }
                }
                if !allowed.contains(target) && target.isTerminal { continue }
                let lost = !branch.merge(move, version: 999).result.losses.isEmpty
                #expect(lost == !allowed.contains(target), "\(from) → \(target)")
            }
        }
        for next in OrderStatus.forwardFlow.dropFirst() {
            check(replica, from: current, resume: nil)
            if !current.isTerminal {
                var held = replica
                held.merge(
                    Build.move("W0", sequence, at: second, from: current.rawValue, to: "on_hold"), version: sequence + 1
                )
                check(held, from: .onHold, resume: current)
            }
            replica.merge(
                Build.move("W0", sequence, at: second, from: current.rawValue, to: next.rawValue), version: sequence + 1
            )
            current = next
            sequence += 1
            second += 1
        }
        #expect(replica.status(ofOrder: "o-1").status == .completed)
    }
}
