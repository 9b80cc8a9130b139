import Testing

@testable import OrderDomain

/// Checks every (from, to) pair against the table in protocol/ORDER-LIFECYCLE.md, written out
/// here literally rather than derived from the code under test.
@Suite struct TransitionTableTests {
    static let table: [OrderStatus: Set<OrderStatus>] = [
        .pendingPayment: [.paymentConfirmed, .onHold, .exception, .cancelled],
        .paymentConfirmed: [.processing, .onHold, .exception, .cancelled, .refunded],
        .processing: [.inProduction, .onHold, .exception, .cancelled, .refunded],
        .inProduction: [.qualityCheck, .onHold, .exception, .cancelled, .refunded],
        .qualityCheck: [.packaging, .inProduction, .onHold, .exception, .cancelled, .refunded],
        .packaging: [.shipped, .onHold, .exception, .cancelled, .refunded],
        .shipped: [.outForDelivery, .onHold, .exception, .refunded],
        .outForDelivery: [.delivered, .onHold, .exception, .refunded],
        .delivered: [.completed, .onHold, .exception, .refunded],
        .completed: [],
        .cancelled: [],
        .refunded: [],
    ]

    /// Statuses a suspended order can return to: every non-terminal status on the flow.
    static let resumable = OrderStatus.allCases.filter { !$0.isTerminal && !$0.isSuspension }

    static func expectedFromSuspension(_ suspension: OrderStatus, resume: OrderStatus) -> Set<OrderStatus> {
        var allowed: Set<OrderStatus> = [resume, suspension == .onHold ? .exception : .onHold]
        let beforeShipping: Set<OrderStatus> = [
            .pendingPayment, .paymentConfirmed, .processing, .inProduction, .qualityCheck, .packaging,
        ]
        let paidNotDone: Set<OrderStatus> = [
            .paymentConfirmed, .processing, .inProduction, .qualityCheck, .packaging, .shipped, .outForDelivery,
            .delivered,
        ]
        if beforeShipping.contains(resume) { allowed.insert(.cancelled) }
        if paidNotDone.contains(resume) { allowed.insert(.refunded) }
        return allowed
    }

    @Test(arguments: OrderStatus.allCases.filter { !$0.isSuspension })
    func everyMoveFromAFlowStatus(from: OrderStatus) {
        let expected = Self.table[from]!
        #expect(Set(OrderLifecycle.allowedTransitions(from: from)) == expected)
        for to in OrderStatus.allCases {
            if expected.contains(to) {
                #expect(throws: Never.self) { try OrderLifecycle.validate(from: from, to: to) }
            } else {
                #expect(
                    throws: TransitionError(from: from, to: to, allowed: OrderLifecycle.allowedTransitions(from: from))
                ) {
                    try OrderLifecycle.validate(from: from, to: to)
                }
            }
        }
    }

    @Test(arguments: [OrderStatus.onHold, .exception], resumable)
    func everyMoveFromASuspension(suspension: OrderStatus, resume: OrderStatus) {
        let expected = Self.expectedFromSuspension(suspension, resume: resume)
        #expect(Set(OrderLifecycle.allowedTransitions(from: suspension, resumeStatus: resume)) == expected)
        for to in OrderStatus.allCases {
            let accepted = (try? OrderLifecycle.validate(from: suspension, to: to, resumeStatus: resume)) != nil
            #expect(accepted == expected.contains(to), "\(suspension) (resume \(resume)) → \(to)")
        }
    }

    @Test func refusalNamesEveryAllowedMove() {
        for from in OrderStatus.allCases where !from.isSuspension && !from.isTerminal {
            let refused = OrderStatus.allCases.first { !Self.table[from]!.contains($0) && $0 != from }!
            do {
                try OrderLifecycle.validate(from: from, to: refused)
                Issue.record("\(from) → \(refused) was accepted")
            } catch {
                for allowed in Self.table[from]! { #expect(error.description.contains(allowed.rawValue)) }
            }
        }
        #expect(TransitionError(from: .completed, to: .processing, allowed: []).description.contains("terminal"))
    }

    @Test func suspensionRemembersAndRestoresWhereTheOrderWas() {
        #expect(OrderLifecycle.resumeStatus(after: .inProduction, to: .onHold, previousResume: nil) == .inProduction)
        #expect(
            OrderLifecycle.resumeStatus(after: .onHold, to: .exception, previousResume: .inProduction) == .inProduction)
        #expect(OrderLifecycle.resumeStatus(after: .exception, to: .inProduction, previousResume: .inProduction) == nil)
    }

    @Test func statusChangeRecordsWhoWhenAndTimeInPreviousStatus() throws {
        let change = try StatusChange(
            current: .qualityCheck, resumeStatus: nil, target: .inProduction, note: "  loose seam ",
            by: "ana", atSeconds: 10_000, enteredCurrentAtSeconds: 6_400)
        #expect(change.status == .inProduction)
        #expect(change.resumeStatus == nil)
        #expect(
            change.history
                == StatusHistoryEntry(
                    from: .qualityCheck, to: .inProduction, changedBy: "ana", changedAtSeconds: 10_000,
                    note: "loose seam", secondsInPreviousStatus: 3_600))
        #expect(throws: StatusChangeError.self) {
            try StatusChange(
                current: .shipped, resumeStatus: nil, target: .cancelled, note: nil, by: "ana", atSeconds: 1,
                enteredCurrentAtSeconds: 0)
        }
    }

    @Test func parsingAcceptsDashesAndCase() {
        #expect(OrderStatus(parsing: " In-Production ") == .inProduction)
        #expect(OrderPriority(parsing: "Wedding-Party") == .weddingParty)
        #expect(OrderStatus(parsing: "done") == nil)
        #expect(OrderStatus.allCases.count == 14)
        #expect(OrderPriority.allCases.count == 8)
    }
}
