import Testing

@testable import OrderDomain

@Suite struct OrderLifecycleTests {
    @Test func forwardFlowIsAllowedStepByStep() throws {
        for (from, to) in zip(OrderStatus.forwardFlow, OrderStatus.forwardFlow.dropFirst()) {
            try OrderLifecycle.validate(from: from, to: to)
        }
    }

    @Test func terminalStatusesHaveNoWayOut() {
        for terminal in OrderStatus.allCases where terminal.isTerminal {
            #expect(OrderLifecycle.allowedTransitions(from: terminal).isEmpty)
        }
    }

    @Test func refusalNamesAllowedMoves() {
        #expect(throws: TransitionError.self) {
            try OrderLifecycle.validate(from: .shipped, to: .cancelled)
        }
        do {
            try OrderLifecycle.validate(from: .shipped, to: .cancelled)
        } catch {
            #expect(error.description.contains("out_for_delivery"))
            #expect(error.description.contains("refunded"))
        }
    }
}
