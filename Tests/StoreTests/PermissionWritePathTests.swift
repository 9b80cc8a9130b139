import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// The permission matrix at the node: every role × every kind of edit through the store's write
/// path. Allowed edits are queued; refused ones throw `forbidden` with the matrix's message and
/// leave no row and no outbox entry.
@Suite struct PermissionWritePathTests {
    /// One kind of edit: what it needs, how to set its order up (as an admin), and the edit.
    struct Edit: Sendable, CustomStringConvertible {
        var description: String
        var needs: Permission
        var prepare: @Sendable (OrderStore, OrderRecord) throws -> Void = { _, _ in }
        var run: @Sendable (OrderStore, OrderRecord, StaffActor) throws -> Void
    }

    static let admin = StaffActor.test("admin@kct.example")

    static let edits: [Edit] = [
        Edit(description: "create an order", needs: .createOrders) { store, _, actor in
            try store.createOrder(sampleDraft(name: "New Customer"), by: actor)
        },
        Edit(description: "edit notes", needs: .editOrderDetails) { store, order, actor in
            try store.updateOrder(order.id, OrderPatch(notes: "call first"), by: actor)
        },
        Edit(description: "change tax", needs: .changePrices) { store, order, actor in
            try store.updateOrder(order.id, OrderPatch(tax: usd("1.00")), by: actor)
        },
        Edit(description: "change priority", needs: .changePriority) { store, order, actor in
            try store.setPriority(order.id, to: .rush, by: actor)
        },
        Edit(description: "confirm payment", needs: .confirmPayment) { store, order, actor in
            try store.changeStatus(order.id, to: .paymentConfirmed, by: actor)
        },
        Edit(
            description: "move into processing", needs: .moveProductionStatus,
            prepare: { store, order in try store.changeStatus(order.id, to: .paymentConfirmed, by: admin) }
        ) { store, order, actor in
            try store.changeStatus(order.id, to: .processing, by: actor)
        },
        Edit(description: "put on hold", needs: .moveProductionStatus) { store, order, actor in
            try store.changeStatus(order.id, to: .onHold, by: actor)
        },
        Edit(
            description: "resume from hold to payment_confirmed", needs: .moveProductionStatus,
            prepare: { store, order in
                try store.changeStatus(order.id, to: .paymentConfirmed, by: admin)
                try store.changeStatus(order.id, to: .onHold, by: admin)
            }
        ) { store, order, actor in
            try store.changeStatus(order.id, to: .paymentConfirmed, by: actor)
        },
        Edit(description: "cancel", needs: .cancelOrders) { store, order, actor in
            try store.changeStatus(order.id, to: .cancelled, by: actor)
        },
        Edit(
            description: "refund", needs: .refundOrders,
            prepare: { store, order in try store.changeStatus(order.id, to: .paymentConfirmed, by: admin) }
        ) { store, order, actor in
            try store.changeStatus(order.id, to: .refunded, by: actor)
        },
        Edit(description: "add an item", needs: .editItems) { store, order, actor in
            try store.addItem(
                to: order.id, ItemDraft(productName: "Belt", quantity: 1, unitPrice: usd("40.00")), by: actor)
        },
        Edit(description: "change an item's quantity", needs: .editItems) { store, order, actor in
            try store.updateItem(order: order.id, item: "1", ItemPatch(quantity: 3), by: actor)
        },
        Edit(description: "change an item's price", needs: .changePrices) { store, order, actor in
            try store.updateItem(order: order.id, item: "1", ItemPatch(unitPrice: usd("799.00")), by: actor)
        },
        Edit(description: "remove an item", needs: .editItems) { store, order, actor in
            try store.removeItem(order: order.id, item: "2", by: actor)
        },
        Edit(description: "open an exception", needs: .openExceptions) { store, order, actor in
            try store.openException(on: order.id, ExceptionDraft(type: "fabric", severity: .high), by: actor)
        },
        // Notes on an exception count as resolving it (PERMISSIONS.md); a bare status change does not.
        Edit(
            description: "investigate an exception", needs: .openExceptions,
            prepare: { store, order in
                try store.openException(on: order.id, ExceptionDraft(type: "fabric", severity: .high), by: admin)
            }
        ) { store, order, actor in
            let exception = try store.detail(order.id).exceptions[0]
            try store.resolveException(exception.id, to: .investigating, by: actor)
        },
        Edit(
            description: "resolve an exception", needs: .resolveExceptions,
            prepare: { store, order in
                try store.openException(on: order.id, ExceptionDraft(type: "fabric", severity: .high), by: admin)
            }
        ) { store, order, actor in
            let exception = try store.detail(order.id).exceptions[0]
            try store.resolveException(exception.id, to: .resolved, notes: "new bolt", by: actor)
        },
        Edit(description: "log a call", needs: .logCommunications) { store, order, actor in
            try store.logCommunication(
                on: order.id, CommunicationDraft(type: .note, channel: .phone, message: "called"), by: actor)
        },
    ]

    /// Everything the write path may touch, to show a refused edit changed nothing.
    static func snapshot(_ store: OrderStore) throws -> [Int64] {
        try store.read { db in
            try [
                "orders", "order_items", "order_status_history", "order_exceptions", "customer_communication_logs",
                "outbox", "field_stamps", "row_stamps",
            ].map { table in
                try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            } + [
                try Int64.fetchOne(
                    db,
                    sql:
                        "SELECT total(length(notes)) + total(tax_amount) + count(DISTINCT priority || status) FROM "
                        + "orders"
                ) ?? 0,
                try Int64.fetchOne(db, sql: "SELECT total(quantity * unit_price) FROM order_items") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT count(*) FROM order_exceptions WHERE resolution_status <> 'open'")
                    ?? 0,
            ]
        }
    }

    @Test(arguments: StaffRole.allCases)
    func everyEditOfEveryRole(role: StaffRole) throws {
        for edit in Self.edits {
            let directory = TemporaryDirectory()
            let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
            let order = try store.createOrder(sampleDraft(), by: Self.admin)
            try edit.prepare(store, order)
            let actor = StaffActor.test("\(role.rawValue)@kct.example", role: role)
            let before = try Self.snapshot(store)
            let sequenceBefore = try store.lastOutboxSequence()
            let error = storeError { try edit.run(store, order, actor) }
            if role.has(edit.needs) {
                #expect(error == nil, "\(role) may \(edit): \(error.map(\.description) ?? "")")
                let queued = try store.outboxEntries(after: sequenceBefore, limit: 100)
                #expect(!queued.isEmpty && queued.allSatisfy { $0.author == actor.email }, "\(role): \(edit)")
            } else {
                guard case .forbidden(let rejection)? = error else {
                    Issue.record(
                        "\(role) doing \(edit): expected forbidden, got \(error.map(\.description) ?? "success")")
                    continue
                }
                #expect(rejection.code == .forbidden)
                #expect(
                    rejection.message.hasPrefix(
                        "\(actor.email) is \(role.withArticle) and may not \(edit.needs.phrase)"))
                #expect(try Self.snapshot(store) == before, "\(role) doing \(edit) left something behind")
                #expect(try store.lastOutboxSequence() == sequenceBefore)
            }
        }
    }

    @Test func aRefusalNamesTheFieldAndWhoMay() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let order = try store.createOrder(sampleDraft(), by: Self.admin)
        let ana = StaffActor.test("ana@kct.example", role: .processor)
        // Notes are allowed but tax is not: the whole edit is refused, the notes are not written.
        let error = storeError {
            try store.updateOrder(order.id, OrderPatch(notes: "rush it", tax: usd("2.00")), by: ana)
        }
        #expect(
            error?.description
                == "ana@kct.example is a processor and may not change prices (tax_amount); only managers and admins may"
        )
        #expect(try store.order(order.id).notes == nil)
    }

    @Test func editsOfAnotherShopsOrdersAreRefused() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let order = try store.createOrder(sampleDraft(), by: Self.admin)
        // As if the order had come from shop S02 through sync.
        try store.write { db in
            try db.execute(sql: "UPDATE orders SET order_number = 'S02-W1-000001' WHERE id = ?", arguments: [order.id])
        }
        let sequence = try store.lastOutboxSequence()
        let error = storeError { try store.setPriority(order.id, to: .rush, by: Self.admin) }
        guard case .wrongShop(let number, let orderShop, let thisShop)? = error else {
            Issue.record("expected wrongShop, got \(String(describing: error))")
            return
        }
        #expect((number, orderShop, thisShop) == ("S02-W1-000001", "S02", "S01"))
        #expect(error?.description.contains("may only change its own shop's orders") == true)
        #expect(try store.lastOutboxSequence() == sequence)
    }
}

/// Settling conflicts: one's own needs `resolve_own_conflicts` (processor and up), someone
/// else's `resolve_others_conflicts` (manager and up); a re-applied edit is checked like any.
@Suite struct ConflictPermissionTests {
    /// A node whose priority edit by ana (a manager then) lost to W2's; returns it and the conflict id.
    func lostPriorityEdit() throws -> (OrderStore, Int64, SyncHarness) {
        var harness = SyncHarness()
        let a = try harness.node("W1"), b = try harness.node("W2")
        let order = try a.createOrder(sampleDraft(), by: .test("ana@kct.example"))
        try harness.sync(a)
        try harness.sync(b)
        harness.clock.advance(seconds: 1)
        try a.setPriority(order.id, to: .high, by: .test("ana@kct.example", role: .manager))
        harness.clock.advance(seconds: 1)
        try b.setPriority(order.id, to: .rush, by: .test("ben@kct.example"))
        try harness.push(b)
        try harness.pull(a)
        try harness.push(a)
        let conflict = try #require(try a.conflicts().first)
        return (a, conflict.id, harness)
    }

    @Test func ownAndOthersConflicts() throws {
        let (store, id, _) = try lostPriorityEdit()
        let viewer = StaffActor.test("ana@kct.example", role: .viewer)
        let otherProcessor = StaffActor.test("cy@kct.example", role: .processor)
        #expect(
            storeError { try store.dismissConflict(id, by: viewer) }?.description
                == "ana@kct.example is a viewer and may not resolve their own conflicts; only processors, managers "
                + "and admins may"
        )
        #expect(
            storeError { try store.dismissConflict(id, by: otherProcessor) }?.description
                == "cy@kct.example is a processor and may not resolve other people's conflicts; only managers and "
                + "admins may"
        )
        #expect(
            storeError { try store.reapplyConflict(id, by: otherProcessor) }.map {
                if case .forbidden = $0 { true } else { false }
            } == true)
        // Ana, now a processor, may settle her own conflict but not re-apply a priority change.
        let ana = StaffActor.test("ana@kct.example", role: .processor)
        let sequence = try store.lastOutboxSequence()
        #expect(
            storeError { try store.reapplyConflict(id, by: ana) }?.description
                == "ana@kct.example is a processor and may not change priorities (priority); only managers and "
                + "admins may"
        )
        #expect(try store.lastOutboxSequence() == sequence)
        #expect(try store.conflict(id).state == .open)
        // A manager re-applies it under their own name.
        let manager = StaffActor.test("max@kct.example", role: .manager)
        let reapplied = try store.reapplyConflict(id, by: manager)
        #expect(reapplied.state == .reapplied && reapplied.settledBy == "max@kct.example")
        #expect(try store.outboxEntries(after: sequence).map(\.author) == ["max@kct.example"])
    }

    @Test func aProcessorDismissesTheirOwn() throws {
        let (store, id, _) = try lostPriorityEdit()
        let dismissed = try store.dismissConflict(id, by: StaffActor.test("ana@kct.example", role: .processor))
        #expect(dismissed.state == .dismissed)
    }
}
