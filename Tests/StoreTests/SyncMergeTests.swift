import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

@Suite struct SyncMergeTests {
    @Test func pulledChangeSlidesUnderAPendingEditAndLosesToIt() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try b.updateOrder(order.id, OrderPatch(notes: "from B"), by: .test("ben"))
        try harness.push(b)
        harness.clock.advance(seconds: 1)
        try a.updateOrder(order.id, OrderPatch(notes: "from A"), by: .test("ana"))
        try harness.pull(a)
        #expect(try a.order(order.id).notes == "from A")
        try harness.sync(a)
        try harness.sync(b)
        #expect(try b.order(order.id).notes == "from A")
        #expect(try a.visibleTables() == b.visibleTables())
        // B's value lost to a concurrent later edit: B's conflict arrives with the pull.
        let conflicts = try b.conflicts()
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.field == "notes")
        #expect(conflicts.first?.wanted == .text("from B"))
        #expect(conflicts.first?.winner?.value == .text("from A"))
    }

    @Test func supersededEditShowsTheWinnerAndIsAConflict() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.setPriority(order.id, to: .high, by: .test("ana"))
        harness.clock.advance(seconds: 1)
        try b.setPriority(order.id, to: .rush, by: .test("ben"))
        try harness.push(b)
        try harness.pull(a)
        // B's later edit beats A's pending one here exactly as it will at central.
        #expect(try a.order(order.id).priority == .rush)
        try harness.push(a)
        #expect(try a.order(order.id).priority == .rush)
        let conflict = try #require(try a.conflicts().first)
        #expect(conflict.field == "priority")
        #expect(conflict.wanted == .text("high"))
        #expect(conflict.winner?.value == .text("rush"))
        #expect(conflict.code == ConflictRule.newerValue.rawValue)
        #expect(conflict.orderNumber == order.orderNumber)
        #expect(conflict.author == "ana")
        #expect(conflict.workstation == "W1")
        #expect(!conflict.rejected)
        #expect(try a.syncStatus().openConflicts == 1)
    }

    @Test func rejectedEditDropsOutOfViewIntoConflicts() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try a.updateOrder(order.id, OrderPatch(notes: "call first"), by: .test("ana"))
        let sequence = try a.lastOutboxSequence()
        #expect(try a.order(order.id).notes == "call first")
        let reply = PushResponse(
            nodeID: a.identity.nodeID, acknowledgedThrough: sequence, headVersion: harness.central.headVersion,
            outcomes: [
                ChangeOutcome(
                    sequence: sequence, result: .rejected,
                    reason: Rejection(.invalidValue, "notes refused for the test"))
            ])
        let report = try a.applyPushResponse(reply)
        #expect(report.conflictsRecorded == 1)
        #expect(try a.order(order.id).notes == nil)
        #expect(try a.nextPush(limit: 10) == nil)
        let conflict = try #require(try a.conflicts().first)
        #expect(conflict.rejected)
        #expect(conflict.code == "invalid_value")
        #expect(conflict.message == "notes refused for the test")
        #expect(conflict.changeFields == ["notes": .text("call first")])
        // The same reply again changes nothing.
        #expect(try a.applyPushResponse(reply).conflictsRecorded == 0)
    }

    @Test func pageAppliedTwiceChangesNothing() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.push(a)
        let page = harness.central.pull(PullRequest(after: 0, limit: 100))
        let first = try b.applyPullPage(page)
        let tables = try b.visibleTables()
        let second = try b.applyPullPage(page)
        #expect(first.applied == page.entries.count)
        #expect(second.applied == 0)
        #expect(try b.visibleTables() == tables)
        #expect(try b.pullCursor() == page.nextCursor)
        // A local edit made now records the cursor it was made at.
        let order = try #require(try b.orders(OrderFilter()).first)
        try b.setPriority(order.id, to: .high, by: .test("ben"))
        #expect(try b.outboxEntries().last?.baseVersion == page.nextCursor)
        try harness.sync(b)
        try harness.pull(a)
        #expect(try a.visibleTables() == b.visibleTables())
    }

    /// A page merging into rows an earlier page confirmed rewrites their stored parts: every
    /// field of every page stays in the confirmed row.
    @Test func laterPagesKeepEveryConfirmedField() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.updateOrder(order.id, OrderPatch(notes: "second page"), by: .test("ana"))
        try harness.sync(a)
        try harness.pull(b)
        harness.clock.advance(seconds: 1)
        try a.setPriority(order.id, to: .high, by: .test("ana"))
        try harness.sync(a)
        try harness.pull(b)
        let confirmed = try #require(
            try b.read { db in try ConfirmedState.row(db, RowKey(.order, order.id), orderID: order.id) })
        #expect(confirmed.fields["customer_name"]?.value == .text("Jane Doe"))
        #expect(confirmed.fields["notes"]?.value == .text("second page"))
        #expect(confirmed.fields["priority"]?.value == .text("high"))
        #expect(
            try b.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM confirmed_rows") }
                == a.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM confirmed_rows") })
        #expect(try a.visibleTables() == b.visibleTables())
    }

    @Test func pulledCancelIsAbsorbing() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.changeStatus(order.id, to: .cancelled, by: .test("ana"))
        try harness.push(a)
        harness.clock.advance(seconds: 1)
        // B, offline, moves the order on later in time.
        try b.changeStatus(order.id, to: .paymentConfirmed, by: .test("ben"))
        try harness.pull(b)
        #expect(try b.order(order.id).status == .cancelled)
        try harness.sync(b)
        try harness.sync(a)
        #expect(try a.order(order.id).status == .cancelled)
        #expect(try b.order(order.id).status == .cancelled)
        #expect(try a.visibleTables() == b.visibleTables())
        let conflict = try #require(try b.conflicts().first { $0.field == "status" })
        #expect(conflict.code == ConflictRule.orderClosed.rawValue)
        #expect(conflict.wanted == .text("payment_confirmed"))
        // Re-applying is refused: a cancelled order does not move again.
        #expect(storeError { try b.reapplyConflict(conflict.id, by: .test("ben")) } != nil)
        #expect(try b.conflict(conflict.id).state == .open)
    }

    @Test func itemsAddedOnTwoNodesAreBothKeptAndTotalsRecomputed() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        try a.addItem(
            to: order.id, ItemDraft(productName: "Belt", quantity: 1, unitPrice: usd("40.00")), by: .test("ana"))
        try b.addItem(
            to: order.id, ItemDraft(productName: "Cufflinks", quantity: 2, unitPrice: usd("30.00")), by: .test("ben"))
        try harness.sync(a)
        try harness.sync(b)
        try harness.sync(a)
        let detail = try a.detail(order.id)
        #expect(Set(detail.items.map(\.productName)) == ["Navy Suit", "Silk Tie", "Belt", "Cufflinks"])
        // 899 + 2×75 + 40 + 2×30 = 1149, plus 84.50 tax and 15.00 shipping.
        #expect(detail.order.subtotal == usd("1149.00"))
        #expect(detail.order.total == usd("1248.50"))
        #expect(try a.visibleTables() == b.visibleTables())
    }

    /// SyncCore's `OrderTotalsRule`, as at central: an item whose total is out of OrderDomain's
    /// range shows 0, and so do the order's amounts.
    @Test func pulledAmountsOutOfRangeShowAsZero() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        harness.clock.advance(seconds: 1)
        let item = Change(
            nodeID: "n-elsewhere", sequence: 1, hlc: HLC(millis: harness.clock.now, counter: 0), entity: .orderItem,
            rowID: "i-gold", orderID: order.id, operation: .setFields,
            fields: [
                "order_id": .text(order.id), "product_name": .text("Gold Suit"), "quantity": .integer(2),
                "unit_price": .integer(FieldCatalog.maximumMinorUnits), "line_number": .integer(3),
            ],
            author: "ben@kct.example", baseVersion: 0)
        let response = try harness.central.push(
            PushRequest(nodeID: "n-elsewhere", changes: [item]), authenticatedNode: "n-elsewhere",
            nowMillis: harness.clock.now)
        #expect(response.outcomes.map(\.result) == [.applied])
        try harness.pull(a)
        let detail = try a.detail(order.id)
        #expect(detail.items.first { $0.id == "i-gold" }?.totalPrice.minorUnits == 0)
        #expect(detail.items.first { $0.productName == "Silk Tie" }?.totalPrice == usd("150.00"))
        #expect(detail.order.subtotal.minorUnits == 0 && detail.order.total.minorUnits == 0)
    }

    @Test func deleteTombstoneWinsOverAConcurrentItemEdit() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.removeItem(order: order.id, item: "2", by: .test("ana"))
        try harness.push(a)
        harness.clock.advance(seconds: 1)
        try b.updateItem(order: order.id, item: "2", ItemPatch(quantity: 5), by: .test("ben"))
        try harness.sync(b)
        try harness.sync(a)
        #expect(try b.detail(order.id).items.map(\.productName) == ["Navy Suit"])
        #expect(try b.order(order.id).subtotal == usd("899.00"))
        #expect(try a.visibleTables() == b.visibleTables())
        let conflict = try #require(try b.conflicts().first)
        #expect(conflict.code == ConflictRule.rowDeleted.rawValue)
        #expect(conflict.entity == .orderItem)
    }

    @Test func reapplyMakesTheLosingValueANewEdit() throws {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.updateOrder(order.id, OrderPatch(notes: "A"), by: .test("ana"))
        harness.clock.advance(seconds: 1)
        try b.updateOrder(order.id, OrderPatch(notes: "B"), by: .test("ben"))
        try harness.sync(b)
        try harness.sync(a)
        let conflict = try #require(try a.conflicts().first)
        harness.clock.advance(seconds: 1)
        let reapplied = try a.reapplyConflict(conflict.id, by: .test("ana"))
        #expect(reapplied.state == .reapplied)
        #expect(try a.order(order.id).notes == "A")
        try harness.sync(a)
        try harness.sync(b)
        #expect(try b.order(order.id).notes == "A")
        #expect(try a.conflicts().isEmpty)
        #expect(storeError { try a.dismissConflict(conflict.id, by: .test("ana")) } != nil)
    }
}

@Suite struct SyncRestampTests {
    /// A workstation whose clock runs a day ahead: central re-stamps its changes. Whether the
    /// log entry (pull) or the push reply arrives first, the node ends with central's stamps
    /// and the same tables as a node that only pulled.
    @Test func restampedOwnChangesPulledBeforeTheirReply() throws {
        var harness = SyncHarness()
        let aheadClock = ManualClock(harness.clock.now + 86_400_000)
        let a = try OrderStore.create(
            directory: harness.directory.sub("W1"), name: "W1", shopCode: "S01", clock: aheadClock.function)
        let b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana"))
        try a.changeStatus(order.id, to: .paymentConfirmed, by: .test("ana"))
        let request = try #require(try a.nextPush(limit: 100))
        let reply = try harness.central.push(
            request, authenticatedNode: a.identity.nodeID, nowMillis: harness.clock.now)
        #expect(reply.outcomes.allSatisfy { $0.hlc != nil })
        try harness.pull(a)
        #expect(try a.order(order.id).status == .paymentConfirmed)
        // Still pending, but already carrying central's stamps.
        #expect(try a.nextPush(limit: 100)?.changes.count == request.changes.count)
        #expect(try a.outboxEntries().map(\.hlc) == harness.central.log.map(\.change.hlc))
        try harness.pull(b)
        #expect(try a.visibleTables() == b.visibleTables())
        _ = try a.applyPushResponse(reply)
        #expect(try a.visibleTables() == b.visibleTables())
        #expect(try a.conflicts().isEmpty)
    }
}
