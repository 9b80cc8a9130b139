import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// Queue claims through the write path and sync: who may claim and release, automatic release
/// when the order leaves the stage, and two workstations claiming apart.
@Suite struct ClaimStoreTests {
    let ana = StaffActor.test("ana@kct.example", role: .processor)
    let tom = StaffActor.test("tom@kct.example", role: .processor)
    let boss = StaffActor.test("boss@kct.example", role: .manager)

    /// An order in production on `store`.
    func orderInProduction(_ store: OrderStore) throws -> OrderRecord {
        let order = try store.createOrder(sampleDraft(), by: boss)
        for status in [OrderStatus.paymentConfirmed, .processing, .inProduction] {
            try store.changeStatus(order.id, to: status, by: boss)
        }
        return try store.order(order.id)
    }

    @Test func claimReleaseAndTheRulesOfMakingThem() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.sub("W1"), name: "W1", shopCode: "S01")
        let order = try orderInProduction(store)
        let before = try store.lastOutboxSequence()
        #expect(isForbidden { try store.claimOrder(order.id, by: .test("vera@kct.example", role: .viewer)) })

        let held = try store.claimOrder(order.orderNumber, by: ana)
        #expect(held.email == ana.email)
        #expect(held.stage == .inProduction)
        #expect(try store.lastOutboxSequence() == before + 1)
        let queued = try #require(try store.outboxEntries().last)
        #expect(queued.entity == .claim)
        #expect(queued.operation == .append)
        #expect(queued.author == ana.email)
        #expect(try store.queue().first { $0.order.id == order.id }?.claim?.email == ana.email)

        // Refused, changing nothing: a second claim, a viewer's, a processor releasing another's.
        #expect(throws: StoreError.self) { try store.claimOrder(order.id, by: tom) }
        #expect(throws: StoreError.self) { try store.claimOrder(order.id, by: ana) }
        #expect(isForbidden { try store.releaseClaim(order.id, by: tom) })
        #expect(try store.lastOutboxSequence() == before + 1)

        // The claimer releases; a manager may release anyone's.
        try store.releaseClaim(order.id, by: ana)
        #expect(try store.claimHolder(order.id) == nil)
        #expect(throws: StoreError.self) { try store.releaseClaim(order.id, by: ana) }
        try store.claimOrder(order.id, by: tom)
        #expect(try store.releaseClaim(order.id, by: boss).email == tom.email)

        // Leaving the stage ends the claim; coming back for rework does not revive it.
        try store.claimOrder(order.id, by: tom)
        try store.changeStatus(order.id, to: .qualityCheck, by: tom)
        #expect(try store.claimHolder(order.id) == nil)
        try store.changeStatus(order.id, to: .inProduction, by: tom)
        #expect(try store.claimHolder(order.id) == nil)
        #expect(try store.claimOrder(order.id, by: ana).stage == .inProduction)

        // A suspended or closed order cannot be claimed.
        try store.releaseClaim(order.id, by: ana)
        try store.changeStatus(order.id, to: .onHold, by: ana)
        #expect(throws: StoreError.self) { try store.claimOrder(order.id, by: ana) }
    }

    /// Ana (W1) and Tom (W2) claim the same order while apart; Ana's claim is earlier. Whatever
    /// order the workstations sync in, both end with Ana holding it, and Tom's workstation
    /// lists his lost claim.
    @Test(arguments: [false, true])
    func concurrentClaimsEarliestWinsEverywhere(tomSyncsFirst: Bool) throws {
        var harness = SyncHarness()
        let w1 = try harness.node("W1"), w2 = try harness.node("W2")
        let order = try orderInProduction(w1)
        try harness.sync(w1)
        try harness.sync(w2)
        harness.clock.advance(seconds: 1)
        try w1.claimOrder(order.id, by: ana)
        harness.clock.advance(seconds: 1)
        try w2.claimOrder(order.id, by: tom)
        #expect(try w2.claimHolder(order.id)?.email == tom.email) // offline, he sees his own
        for store in tomSyncsFirst ? [w2, w1, w2] : [w1, w2, w1] { try harness.sync(store) }

        for store in [w1, w2] {
            #expect(try store.claimHolder(order.id)?.email == ana.email)
            #expect(try store.queue().first { $0.order.id == order.id }?.claim?.email == ana.email)
        }
        #expect(try w1.visibleTables() == w2.visibleTables())
        #expect(try w1.conflicts().isEmpty)
        let lost = try #require(try w2.conflicts().first)
        #expect(lost.code == ConflictRule.claimTaken.rawValue)
        #expect(lost.entity == .claim)
        #expect(lost.author == tom.email)
        #expect(lost.winner?.value == .text(ana.email))
        #expect(lost.message.contains("ana@kct.example claimed the order first"))
        // Recorded once, however often the workstation merges again.
        try harness.sync(w2)
        #expect(try w2.conflicts().count == 1)
        // A lost claim is not re-applied; Tom claims again once Ana releases.
        #expect(throws: StoreError.self) { try w2.reapplyConflict(lost.id, by: tom) }
    }
}

/// Whether `body` was refused by the permission matrix.
private func isForbidden(_ body: () throws -> Void) -> Bool {
    do { try body() } catch StoreError.forbidden(_) { return true } catch {}
    return false
}
