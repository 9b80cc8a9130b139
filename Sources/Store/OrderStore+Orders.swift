import Foundation
import GRDB
import OrderDomain
import SyncCore

extension FieldValue {
    static func optionalText(_ text: String?) -> FieldValue { text.map { .text($0) } ?? .null }
}

extension OrderStore {
    /// Creates an order: its row, its items, its first status-history entry and their outbox
    /// entries, with the next order number of this workstation. Returns the stored order.
    @discardableResult
    package func createOrder(_ input: OrderDraft, by actor: StaffActor) throws(StoreError) -> OrderRecord {
        let (draft, totals): (OrderDraft, OrderTotals)
        do { (draft, totals) = try input.validated() } catch { throw .invalid(error) }
        let prefix = identity.orderNumberPrefix
        return try edit(by: actor) { db, recorder in
            let orderNumber = try prefix.orderNumber(sequence: recorder.nextOrderNumberSequence())
            let orderID = RowID.make()
            let now = recorder.nowText
            let fields: [String: FieldValue] = [
                "order_number": .text(orderNumber),
                "customer_name": .text(draft.customer.name),
                "customer_email": .text(draft.customer.email),
                "customer_phone": .optionalText(draft.customer.phone),
                "status": .text(OrderStatus.pendingPayment.rawValue),
                "priority": .text(draft.priority.rawValue),
                "currency": .text(draft.currency.code),
                "tax_amount": .integer(totals.tax.minorUnits),
                "shipping_amount": .integer(totals.shipping.minorUnits),
                "needed_by": .optionalText(draft.neededBy?.description),
                "shipping_address": .optionalText(draft.shippingAddress),
                "billing_address": .optionalText(draft.billingAddress),
                "notes": .optionalText(draft.notes),
                "created_at": .text(now),
                "created_by": .text(actor.email),
            ]
            try db.cachedStatement(
                sql: """
                    INSERT INTO orders (id, order_number, customer_name, customer_email, customer_phone, status,
                      priority,
                      currency, subtotal_amount, tax_amount, shipping_amount, total_amount, needed_by, shipping_address,
                      billing_address, notes, created_at, created_by, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                orderID, orderNumber, draft.customer.name, draft.customer.email, draft.customer.phone,
                OrderStatus.pendingPayment.rawValue, draft.priority.rawValue, draft.currency.code,
                totals.subtotal.minorUnits, totals.tax.minorUnits, totals.shipping.minorUnits, totals.total.minorUnits,
                draft.neededBy?.description, draft.shippingAddress, draft.billingAddress, draft.notes, now, actor.email,
                now,
            ])
            try recorder.record(
                db, entity: .order, rowID: orderID, orderID: orderID, operation: .setFields, fields: fields,
                createsRow: true)
            for (index, item) in draft.items.enumerated() {
                try insertItem(db, &recorder, item, orderID: orderID, lineNumber: index + 1)
            }
            try appendHistory(
                db, &recorder, orderID: orderID,
                StatusHistoryEntry(
                    from: nil, to: .pendingPayment, changedBy: actor.email, changedAtSeconds: recorder.nowSeconds,
                    note: nil, secondsInPreviousStatus: nil))
            return OrderRecord(
                id: orderID, orderNumber: orderNumber, customerName: draft.customer.name,
                customerEmail: draft.customer.email,
                customerPhone: draft.customer.phone, status: .pendingPayment, resumeStatus: nil,
                priority: draft.priority,
                currency: draft.currency, subtotal: totals.subtotal, tax: totals.tax, shipping: totals.shipping,
                total: totals.total,
                neededBy: draft.neededBy, shippingAddress: draft.shippingAddress, billingAddress: draft.billingAddress,
                notes: draft.notes, createdAt: now, createdBy: actor.email, updatedAt: now)
        }
    }

    /// Changes the order's own fields (customer, addresses, notes, needed_by, tax, shipping).
    /// Only fields that actually change are written and sent.
    @discardableResult
    package func updateOrder(_ reference: String, _ patch: OrderPatch, by actor: StaffActor) throws(StoreError)
        -> OrderRecord
    {
        guard !patch.isEmpty else { throw .invalid(.nothingToChange) }
        let orderID = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let valid = try patch.validated(currency: order.currency)
            var fields: [String: FieldValue] = [:]
            func set(_ field: String, _ new: String??, _ old: String?) {
                guard let new, new != old else { return }
                fields[field] = .optionalText(new)
            }
            set("customer_name", valid.customerName.map { .some($0) }, order.customerName)
            set("customer_email", valid.customerEmail.map { .some($0) }, order.customerEmail)
            set("customer_phone", valid.customerPhone, order.customerPhone)
            set("shipping_address", valid.shippingAddress, order.shippingAddress)
            set("billing_address", valid.billingAddress, order.billingAddress)
            set("notes", valid.notes, order.notes)
            set("needed_by", valid.neededBy.map { $0?.description }, order.neededBy?.description)
            if let tax = valid.tax, tax != order.tax { fields["tax_amount"] = .integer(tax.minorUnits) }
            if let shipping = valid.shipping, shipping != order.shipping {
                fields["shipping_amount"] = .integer(shipping.minorUnits)
            }
            guard !fields.isEmpty else { throw OrderValidationError.nothingToChange }
            try updateColumns(
                db, table: "orders", id: order.id, fields: fields, now: recorder.nowText, touchUpdatedAt: true)
            try recorder.record(
                db, entity: .order, rowID: order.id, orderID: order.id, operation: .setFields, fields: fields)
            if fields["tax_amount"] != nil || fields["shipping_amount"] != nil {
                try recomputeTotals(db, orderID: order.id)
            }
            return order.id
        }
        return try orderRecord(id: orderID)
    }

    /// Changes the order's priority.
    @discardableResult
    package func setPriority(_ reference: String, to priority: OrderPriority, by actor: StaffActor) throws(StoreError)
        -> OrderRecord
    {
        let orderID = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            guard order.priority != priority else {
                throw OrderValidationError.unchanged(field: "priority", value: priority.rawValue)
            }
            let fields: [String: FieldValue] = ["priority": .text(priority.rawValue)]
            try updateColumns(
                db, table: "orders", id: order.id, fields: fields, now: recorder.nowText, touchUpdatedAt: true)
            try recorder.record(
                db, entity: .order, rowID: order.id, orderID: order.id, operation: .setFields, fields: fields)
            return order.id
        }
        return try orderRecord(id: orderID)
    }

    /// Moves the order's status through `OrderLifecycle`, appending its history entry.
    @discardableResult
    package func changeStatus(_ reference: String, to target: OrderStatus, note: String? = nil, by actor: StaffActor)
        throws(StoreError) -> OrderRecord
    {
        try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            return try moveStatus(db, &recorder, order, to: target, note: note)
        }
    }

    /// A status move inside an edit: checked by `StatusChange` (OrderLifecycle), recorded as a
    /// `set_status` carrying the status it moves from (and the resume status when suspended),
    /// which central checks the move against, plus the append of its history entry.
    func moveStatus(
        _ db: Database, _ recorder: inout ChangeRecorder, _ current: OrderRecord, to target: OrderStatus, note: String?
    ) throws -> OrderRecord {
        var order = current
        let enteredText =
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT max(changed_at) FROM order_status_history WHERE order_id = ?"),
                arguments: [order.id]) ?? order.createdAt
        let change = try StatusChange(
            current: order.status, resumeStatus: order.resumeStatus, target: target, note: note, by: recorder.author,
            atSeconds: recorder.nowSeconds,
            enteredCurrentAtSeconds: Timestamp.seconds(enteredText) ?? recorder.nowSeconds)
        try db.cachedStatement(sql: "UPDATE orders SET status = ?, resume_status = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [change.status.rawValue, change.resumeStatus?.rawValue, recorder.nowText, order.id])
        var fields: [String: FieldValue] = [
            "status": .text(change.status.rawValue),
            "from_status": .text(order.status.rawValue),
            "resume_status": .optionalText(change.resumeStatus?.rawValue),
            "note": .optionalText(change.history.note),
        ]
        if let resume = order.resumeStatus { fields["from_resume_status"] = .text(resume.rawValue) }
        try recorder.record(
            db, entity: .order, rowID: order.id, orderID: order.id, operation: .setStatus, fields: fields)
        try appendHistory(db, &recorder, orderID: order.id, change.history)
        order.status = change.status
        order.resumeStatus = change.resumeStatus
        order.updatedAt = recorder.nowText
        return order
    }

    // MARK: Helpers shared by the edits (all run inside `edit`)

    func appendHistory(_ db: Database, _ recorder: inout ChangeRecorder, orderID: String, _ entry: StatusHistoryEntry)
        throws
    {
        let id = RowID.make()
        let changedAt = Timestamp.format(millis: UInt64(entry.changedAtSeconds * 1000))
        let fields: [String: FieldValue] = [
            "order_id": .text(orderID),
            "from_status": .optionalText(entry.from?.rawValue),
            "to_status": .text(entry.to.rawValue),
            "changed_by": .text(entry.changedBy),
            "changed_at": .text(changedAt),
            "note": .optionalText(entry.note),
            "duration_in_previous_seconds": entry.secondsInPreviousStatus.map { .integer($0) } ?? .null,
        ]
        try recorder.record(db, entity: .statusHistory, rowID: id, orderID: orderID, operation: .append, fields: fields)
        try db.cachedStatement(
            sql: """
                INSERT INTO order_status_history (id, order_id, from_status, to_status, changed_by, changed_at, note,
                  duration_in_previous_seconds, hlc, node_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, orderID, entry.from?.rawValue, entry.to.rawValue, entry.changedBy, changedAt, entry.note,
            entry.secondsInPreviousStatus, recorder.lastHLC, recorder.nodeID,
        ])
    }

    /// `UPDATE table SET field = value, ...` for fields whose names are the table's columns.
    /// Field names come from this layer's own literals, never from input.
    func updateColumns(
        _ db: Database, table: String, id: String, fields: [String: FieldValue], now: String, touchUpdatedAt: Bool
    ) throws {
        let names = fields.keys.sorted()
        var assignments = names.map { "\($0) = ?" }
        var values: [(any DatabaseValueConvertible)?] = names.map { fields[$0]!.databaseValue }
        if touchUpdatedAt {
            assignments.append("updated_at = ?")
            values.append(now)
        }
        values.append(id)
        try db.execute(
            sql: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE id = ?",
            arguments: StatementArguments(values))
    }

    /// Subtotal and total from the items, tax and shipping, through `OrderTotals`.
    func recomputeTotals(_ db: Database, orderID: String) throws {
        let order = try Decode.order(
            try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE id = ?", arguments: [orderID])!)
        let lines = try Row.fetchAll(
            db, sql: "SELECT quantity, unit_price FROM order_items WHERE order_id = ?", arguments: [orderID]
        )
        .map { row in
            (
                quantity: row["quantity"] as Int,
                unitPrice: Money(minorUnits: row["unit_price"], currency: order.currency)
            )
        }
        let totals = try OrderTotals(lines: lines, tax: order.tax, shipping: order.shipping, currency: order.currency)
        try db.cachedStatement(sql: "UPDATE orders SET subtotal_amount = ?, total_amount = ? WHERE id = ?")
            .execute(arguments: [totals.subtotal.minorUnits, totals.total.minorUnits, orderID])
    }
}

extension FieldValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .bool(let value): value.databaseValue
        }
    }
}
