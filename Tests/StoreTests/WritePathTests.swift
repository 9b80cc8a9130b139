import Foundation
import GRDB
import Testing

@testable import OrderDomain
@testable import Store
@testable import SyncCore

@Suite struct WritePathTests {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let store: OrderStore

    init() throws {
        store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
    }

    func rowCount(_ table: String) throws -> Int {
        try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")! }
    }

    func stamps(_ entity: EntityKind, _ rowID: String) throws -> [String: (Int64, String)] {
        try store.pool.read { db in
            var result: [String: (Int64, String)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT field, hlc, node_id FROM field_stamps WHERE entity = ? AND row_id = ?",
                arguments: [entity.rawValue, rowID])
            {
                result[row["field"]] = (row["hlc"], row["node_id"])
            }
            return result
        }
    }

    @Test func createOrderWritesRowsDerivedTotalsAndItsOutboxEntries() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        #expect(order.orderNumber == "S01-W1-000001")
        #expect(order.status == .pendingPayment)
        #expect(order.subtotal.decimalString == "1049.00")
        #expect(order.total.decimalString == "1148.50")
        let changes = try store.outboxEntries()
        #expect(changes.map(\.sequence) == [1, 2, 3, 4])
        #expect(changes.map(\.operation) == [.setFields, .setFields, .setFields, .append])
        #expect(changes.map(\.entity) == [.order, .orderItem, .orderItem, .statusHistory])
        #expect(
            changes.allSatisfy { $0.nodeID == store.identity.nodeID && $0.orderID == order.id && $0.author == "ana" })
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.hlc < $1.hlc })
        // Derived amounts never travel as values of their own.
        for change in changes {
            for derived in ["subtotal_amount", "total_amount", "total_price", "updated_at"] {
                #expect(change.fields[derived] == nil)
            }
        }
        #expect(changes[0].fields["customer_email"] == .text("jane@example.com"))
        #expect(changes[0].fields["tax_amount"] == .integer(8_450))
        #expect(changes[1].fields["unit_price"] == .integer(89_900))
        // Every synced field has the stamp of the change that set it (the row's creation stamp).
        for change in changes.prefix(3) {
            for field in change.fields.keys {
                #expect(try store.fieldStamp(entity: change.entity, rowID: change.rowID, field: field) == change.stamp)
            }
        }
        #expect(try stamps(.order, order.id).isEmpty)
        #expect(try store.clockState() == changes.last!.hlc)
    }

    @Test func statusChangeIsASetStatusAndAHistoryAppend() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        clock.advance(seconds: 90)
        let moved = try store.changeStatus(
            order.orderNumber, to: .paymentConfirmed, note: "paid by card", by: .test("ben"))
        #expect(moved.status == .paymentConfirmed)
        let changes = try store.outboxEntries(after: 4)
        #expect(changes.map(\.operation) == [.setStatus, .append])
        #expect(
            changes[0].fields == [
                "status": .text("payment_confirmed"), "from_status": .text("pending_payment"), "resume_status": .null,
                "note": .text("paid by card"),
            ])
        #expect(changes[1].entity == .statusHistory)
        #expect(changes[1].fields["duration_in_previous_seconds"] == .integer(90))
        let history = try store.detail(order.id).history
        #expect(history.map(\.to) == [.pendingPayment, .paymentConfirmed])
        #expect(
            history[1].from == .pendingPayment && history[1].changedBy == "ben"
                && history[1].durationInPreviousSeconds == 90)
        #expect(try store.fieldStamp(entity: .order, rowID: order.id, field: "status") == changes[0].stamp)
        #expect(try store.fieldStamp(entity: .order, rowID: order.id, field: "resume_status") == changes[0].stamp)
        #expect(try stamps(.order, order.id)["note"] == nil)
        let creation = try store.outboxEntries().first!
        #expect(try store.fieldStamp(entity: .order, rowID: order.id, field: "customer_name") == creation.stamp)
    }

    @Test func suspensionReturnsToWhereTheOrderWas() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        for status in [OrderStatus.paymentConfirmed, .processing, .inProduction, .onHold] {
            try store.changeStatus(order.id, to: status, by: .test("ana"))
        }
        #expect(try store.order(order.id).resumeStatus == .inProduction)
        try store.changeStatus(order.id, to: .exception, by: .test("ana"))
        #expect(throws: StoreError.self) { try store.changeStatus(order.id, to: .qualityCheck, by: .test("ana")) }
        let back = try store.changeStatus(order.id, to: .inProduction, by: .test("ana"))
        #expect(back.status == .inProduction && back.resumeStatus == nil)
    }

    @Test func refusedEditsLeaveNoRowAndNoOutboxEntry() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        let before = (
            try store.outboxEntries().count, try store.clockState(), try rowCount("order_status_history"),
            try rowCount("field_stamps") + rowCount("row_stamps")
        )
        let snapshot = try store.detail(order.id)

        #expect {
            try store.changeStatus(order.id, to: .shipped, by: .test("ana"))
        } throws: { error in
            guard case StoreError.transition(let refusal) = error else { return false }
            return refusal.allowed == [.paymentConfirmed, .onHold, .exception, .cancelled]
        }
        #expect(throws: StoreError.self) { try store.createOrder(sampleDraft(email: "not-an-email"), by: .test("ana")) }
        #expect(throws: StoreError.self) {
            try store.updateOrder(order.id, OrderPatch(customerEmail: "bad@"), by: .test("ana"))
        }
        #expect(throws: StoreError.self) {
            try store.addItem(
                to: order.id, ItemDraft(productName: "Vest", quantity: 0, unitPrice: usd("10")), by: .test("ana"))
        }
        #expect(throws: StoreError.self) {
            try store.addItem(to: order.id, ItemDraft(productName: "Vest", unitPrice: .zero(.jpy)), by: .test("ana"))
        }
        #expect(throws: StoreError.self) { try store.setPriority(order.id, to: .normal, by: .test("ana")) }
        #expect(throws: StoreError.self) { try store.changeStatus("S01-W1-999999", to: .cancelled, by: .test("ana")) }
        #expect(throws: StoreError.self) {
            try store.updateItem(order: order.id, item: "7", ItemPatch(quantity: 2), by: .test("ana"))
        }

        #expect(try store.outboxEntries().count == before.0)
        #expect(try store.clockState() == before.1)
        #expect(try rowCount("order_status_history") == before.2)
        #expect(try rowCount("field_stamps") + rowCount("row_stamps") == before.3)
        #expect(try rowCount("orders") == 1)
        #expect(try store.detail(order.id) == snapshot)
    }

    @Test func itemEditsRecomputeTotalsAndSendOnlyIntents() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        let vest = try store.addItem(
            to: order.id, ItemDraft(productName: "Waistcoat", quantity: 1, unitPrice: usd("120.00")), by: .test("ana"))
        #expect(vest.lineNumber == 3)
        #expect(try store.order(order.id).subtotal.decimalString == "1169.00")
        let updated = try store.updateItem(
            order: order.orderNumber, item: "2", ItemPatch(quantity: 3), by: .test("ana"))
        #expect(updated.totalPrice.decimalString == "225.00")
        #expect(try store.order(order.id).total.decimalString == "1343.50")
        let update = try store.outboxEntries().last!
        #expect(update.operation == .setFields && update.fields == ["quantity": .integer(3)])
        // The full id: an 8-character prefix of only digits would be read as a line number.
        try store.removeItem(order: order.id, item: vest.id, by: .test("ana"))
        let delete = try store.outboxEntries().last!
        #expect(delete.operation == .delete && delete.rowID == vest.id && delete.fields.isEmpty)
        #expect(try stamps(.orderItem, vest.id).isEmpty)
        #expect(try store.fieldStamp(entity: .orderItem, rowID: vest.id, field: "product_name") == nil)
        #expect(try rowCount("tombstones") == 1)
        #expect(try store.order(order.id).subtotal.decimalString == "1124.00")
        try store.removeItem(order: order.id, item: "1", by: .test("ana"))
        #expect(refused(with: .lastItem) { try store.removeItem(order: order.id, item: "2", by: .test("ana")) })
    }

    @Test func updateSendsOnlyChangedFields() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        let updated = try store.updateOrder(
            order.id,
            OrderPatch(
                customerName: "Jane Doe", customerPhone: "", notes: "fitting on Friday",
                neededBy: .some(try CalendarDate(parsing: "2026-12-24")), shipping: usd("0")),
            by: .test("ana"))
        #expect(
            updated.customerPhone == nil && updated.notes == "fitting on Friday"
                && updated.neededBy?.description == "2026-12-24")
        #expect(updated.total.decimalString == "1133.50")
        let change = try store.outboxEntries().last!
        #expect(
            change.fields == [
                "customer_phone": .null, "notes": .text("fitting on Friday"), "needed_by": .text("2026-12-24"),
                "shipping_amount": .integer(0),
            ])
        #expect(
            refused(with: .nothingToChange) {
                try store.updateOrder(order.id, OrderPatch(customerName: "Jane Doe"), by: .test("ana"))
            })
    }

    @Test func clockNeverGoesBackwardsAcrossRestarts() throws {
        try store.createOrder(sampleDraft(), by: .test("ana"))
        let last = try store.clockState()
        clock.set(clock.now - 3_600_000) // the wall clock jumps back an hour
        let reopened = try OrderStore.open(directory: directory.path, clock: clock.function)
        try reopened.createOrder(sampleDraft(), by: .test("ana"))
        let changes = try reopened.outboxEntries()
        #expect(changes.map(\.sequence) == Array(1...Int64(changes.count)))
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.hlc < $1.hlc })
        #expect(changes.last!.hlc > last)
    }

    @Test func exceptionsOpenAndResolve() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        let opened = try store.openException(
            on: order.id, ExceptionDraft(type: "Wrong Measurement", severity: .high, description: "sleeve 2cm short"),
            by: .test("ana"))
        #expect(opened.type == "wrong_measurement" && opened.resolution == .open)
        let append = try store.outboxEntries().last!
        #expect(append.operation == .append && append.entity == .exception)
        #expect(try store.fieldStamp(entity: .exception, rowID: opened.id, field: "resolution_status") == append.stamp)
        clock.advance(seconds: 5)
        let resolved = try store.resolveException(
            String(opened.id.prefix(8)), notes: "remade", customerNotified: true, by: .test("ben"))
        #expect(resolved.resolution == .resolved && resolved.customerNotified && resolved.resolvedBy == "ben")
        let resolution = try store.outboxEntries().last!
        #expect(resolution.fields["resolution_status"] == .text("resolved"))
        #expect(
            try store.fieldStamp(entity: .exception, rowID: opened.id, field: "resolution_status") == resolution.stamp)
        #expect(try store.fieldStamp(entity: .exception, rowID: opened.id, field: "exception_type") == append.stamp)
        #expect(
            refused(with: .exceptionSettled("resolved")) { try store.resolveException(opened.id, by: .test("ben")) })
        #expect(try store.detail(order.id).exceptions == [resolved])
        #expect(try store.order(order.id).status == .pendingPayment)
    }

    @Test func communicationLogIsAppendOnly() throws {
        let order = try store.createOrder(sampleDraft(), by: .test("ana"))
        try store.logCommunication(
            on: order.id, CommunicationDraft(type: .statusUpdate, channel: .phone, message: "Called about the fitting"),
            by: .test("ana"))
        #expect(try store.detail(order.id).communications.map(\.message) == ["Called about the fitting"])
        let change = try store.outboxEntries().last!
        #expect(change.operation == .append && change.entity == .communicationLog)
    }
}

@Suite struct ReplicaQueryTests {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let store: OrderStore

    init() throws {
        store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01", clock: clock.function)
    }

    @Test func searchMatchesNumberNameEmailAndPhone() throws {
        let jane = try store.createOrder(
            sampleDraft(name: "Jane Doe", email: "jane@example.com", phone: "+1 555 010 0100"), by: .test("ana"))
        let ren = try store.createOrder(
            sampleDraft(name: "Renée Martin", email: "rm@kct.example", phone: "(212) 555-7788"), by: .test("ana"))
        func search(_ text: String) throws -> [String] {
            try store.orders(OrderFilter(search: text)).map(\.orderNumber).sorted()
        }
        #expect(try search("jane") == [jane.orderNumber])
        #expect(try search("renee") == [ren.orderNumber])
        #expect(try search("rm@kct") == [ren.orderNumber])
        #expect(try search("555-7788") == [ren.orderNumber])
        #expect(try search("s01-w1-000002") == [ren.orderNumber])
        #expect(try search("555") == [jane.orderNumber, ren.orderNumber])
        #expect(try search("nobody").isEmpty)
        try store.updateOrder(jane.id, OrderPatch(customerName: "Jane Okafor"), by: .test("ana"))
        #expect(try search("okafor") == [jane.orderNumber])
        #expect(try search("doe").isEmpty)
    }

    @Test func listFiltersByStatusAndPriority() throws {
        let a = try store.createOrder(sampleDraft(priority: .rush), by: .test("ana"))
        clock.advance(seconds: 1)
        let b = try store.createOrder(sampleDraft(priority: .low), by: .test("ana"))
        try store.changeStatus(b.id, to: .paymentConfirmed, by: .test("ana"))
        #expect(try store.orders(OrderFilter()).map(\.id) == [b.id, a.id])
        #expect(try store.orders(OrderFilter(statuses: [.paymentConfirmed])).map(\.id) == [b.id])
        #expect(try store.orders(OrderFilter(priorities: [.rush, .urgent])).map(\.id) == [a.id])
        #expect(try store.orders(OrderFilter(limit: 1)).map(\.id) == [b.id])
    }

    @Test func queueOrdersOpenOrdersByScore() throws {
        let low = try store.createOrder(sampleDraft(priority: .low), by: .test("ana"))
        let rush = try store.createOrder(sampleDraft(priority: .rush), by: .test("ana"))
        var wedding = sampleDraft(priority: .weddingParty)
        wedding.neededBy = CalendarDate(utcDayOf: Double(clock.now) / 1000 + 2 * 86_400)
        let event = try store.createOrder(wedding, by: .test("ana"))
        let done = try store.createOrder(sampleDraft(priority: .urgent), by: .test("ana"))
        try store.changeStatus(done.id, to: .cancelled, by: .test("ana"))
        let queue = try store.queue()
        #expect(queue.map(\.order.id) == [event.id, rush.id, low.id])
        #expect(queue.map(\.score) == [400 + 13 * 40, 600, 100])
        #expect(queue.map(\.position) == [1, 2, 3])
        #expect(
            try store.outboxEntries().allSatisfy {
                $0.entity != .order || $0.operation != .setFields || $0.fields["priority"] != nil
            })
    }

    @Test func statsComeFromTheDomainRules() throws {
        let a = try store.createOrder(sampleDraft(priority: .rush), by: .test("ana"))
        _ = try store.createOrder(sampleDraft(), by: .test("ana"))
        try store.changeStatus(a.id, to: .paymentConfirmed, by: .test("ana"))
        let stats = try store.stats()
        #expect(stats.totalOrders == 2 && stats.pendingOrders == 2 && stats.rushOrders == 1)
        #expect(stats.revenue.map(\.totalRevenue.decimalString) == ["1148.50"])
    }

    @Test func orderNumbersAreUniqueAcrossTwoReplicas() throws {
        let other = try OrderStore.create(
            directory: directory.sub("w2"), name: "W2", shopCode: "S01", clock: clock.function)
        var numbers: [String] = []
        for _ in 0..<25 {
            numbers.append(try store.createOrder(sampleDraft(), by: .test("ana")).orderNumber)
            numbers.append(try other.createOrder(sampleDraft(), by: .test("ben")).orderNumber)
        }
        #expect(Set(numbers).count == 50)
        #expect(numbers.allSatisfy { $0.count <= 20 })
        #expect(store.identity.nodeID != other.identity.nodeID)
    }
}
