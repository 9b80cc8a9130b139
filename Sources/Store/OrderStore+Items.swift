import Foundation
import GRDB
import OrderDomain
import SyncCore

extension OrderStore {
    /// Adds an item; the order's totals are recomputed. The item's price must be in the order's
    /// currency (see `currency(of:)`).
    @discardableResult
    package func addItem(to reference: String, _ item: ItemDraft, by actor: StaffActor) throws(StoreError)
        -> OrderItemRecord
    {
        let validItem: ItemDraft
        do { validItem = try item.validated() } catch { throw .invalid(error) }
        let (orderID, itemID) = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            guard validItem.unitPrice.currency == order.currency else {
                throw OrderValidationError.money(
                    field: "unit_price", .currencyMismatch(order.currency.code, validItem.unitPrice.currency.code))
            }
            let line = try Int.fetchOne(
                db, sql: "SELECT coalesce(max(line_number), 0) + 1 FROM order_items WHERE order_id = ?",
                arguments: [order.id])!
            let itemID = try insertItem(db, &recorder, validItem, orderID: order.id, lineNumber: line)
            try recomputeTotals(db, orderID: order.id)
            try touch(db, orderID: order.id, now: recorder.nowText)
            return (order.id, itemID)
        }
        return try itemRecord(orderID: orderID, itemID: itemID)
    }

    /// Changes some fields of an item (by line number or id); totals are recomputed.
    @discardableResult
    package func updateItem(
        order reference: String, item itemReference: String, _ patch: ItemPatch, by actor: StaffActor
    ) throws(StoreError) -> OrderItemRecord {
        guard !patch.isEmpty else { throw .invalid(.nothingToChange) }
        let (orderID, itemID) = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let item = try resolveItem(db, order: order, itemReference)
            let updated = try patch.applied(to: item.draft)
            var fields: [String: FieldValue] = [:]
            if updated.productName != item.productName { fields["product_name"] = .text(updated.productName) }
            if updated.productSource != item.productSource {
                fields["product_source"] = .text(updated.productSource.rawValue)
            }
            if updated.size != item.size { fields["size"] = .optionalText(updated.size) }
            if updated.color != item.color { fields["color"] = .optionalText(updated.color) }
            if updated.customMeasurements != item.customMeasurements {
                fields["custom_measurements"] = .optionalText(updated.customMeasurements)
            }
            if updated.quantity != item.quantity { fields["quantity"] = .integer(Int64(updated.quantity)) }
            if updated.unitPrice != item.unitPrice { fields["unit_price"] = .integer(updated.unitPrice.minorUnits) }
            guard !fields.isEmpty else { throw OrderValidationError.nothingToChange }
            try updateColumns(
                db, table: "order_items", id: item.id, fields: fields, now: recorder.nowText, touchUpdatedAt: false)
            // total_price is derived: written here, never sent.
            try db.execute(
                sql: "UPDATE order_items SET total_price = ? WHERE id = ?",
                arguments: [try updated.totalPrice().minorUnits, item.id])
            try recorder.record(
                db, entity: .orderItem, rowID: item.id, orderID: order.id, operation: .setFields, fields: fields)
            try recomputeTotals(db, orderID: order.id)
            try touch(db, orderID: order.id, now: recorder.nowText)
            return (order.id, item.id)
        }
        return try itemRecord(orderID: orderID, itemID: itemID)
    }

    /// Removes an item (a tombstoned delete); an order keeps at least one item.
    package func removeItem(order reference: String, item itemReference: String, by actor: StaffActor)
        throws(StoreError)
    {
        try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let item = try resolveItem(db, order: order, itemReference)
            let count = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM order_items WHERE order_id = ?", arguments: [order.id])!
            guard count > 1 else { throw OrderValidationError.lastItem }
            try db.execute(sql: "DELETE FROM order_items WHERE id = ?", arguments: [item.id])
            try recorder.record(
                db, entity: .orderItem, rowID: item.id, orderID: order.id, operation: .delete, fields: [:])
            try recomputeTotals(db, orderID: order.id)
            try touch(db, orderID: order.id, now: recorder.nowText)
        }
    }

    /// Inserts a validated item with its derived total and records its `set_fields` change
    /// (without `total_price`, which is derived).
    @discardableResult
    func insertItem(
        _ db: Database, _ recorder: inout ChangeRecorder, _ item: ItemDraft, orderID: String, lineNumber: Int
    ) throws -> String {
        let itemID = RowID.make()
        let total = try item.totalPrice()
        try db.cachedStatement(
            sql: """
                INSERT INTO order_items (id, order_id, line_number, product_source, product_name, size, color,
                  custom_measurements, quantity, unit_price, total_price, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            itemID, orderID, lineNumber, item.productSource.rawValue, item.productName, item.size, item.color,
            item.customMeasurements, item.quantity, item.unitPrice.minorUnits, total.minorUnits, recorder.nowText,
        ])
        try recorder.record(
            db, entity: .orderItem, rowID: itemID, orderID: orderID, operation: .setFields,
            fields: [
                "order_id": .text(orderID),
                "line_number": .integer(Int64(lineNumber)),
                "product_source": .text(item.productSource.rawValue),
                "product_name": .text(item.productName),
                "size": .optionalText(item.size),
                "color": .optionalText(item.color),
                "custom_measurements": .optionalText(item.customMeasurements),
                "quantity": .integer(Int64(item.quantity)),
                "unit_price": .integer(item.unitPrice.minorUnits),
                "created_at": .text(recorder.nowText),
            ],
            createsRow: true)
        return itemID
    }

    /// `updated_at` is local bookkeeping (when this replica last changed the order), not synced.
    func touch(_ db: Database, orderID: String, now: String) throws {
        try db.cachedStatement(sql: "UPDATE orders SET updated_at = ? WHERE id = ?").execute(arguments: [now, orderID])
    }

    /// An item by line number (as `orders show` prints it) or by id or unique id prefix.
    func resolveItem(_ db: Database, order: OrderRecord, _ reference: String) throws -> OrderItemRecord {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        let rows: [Row]
        if let line = Int(trimmed) {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM order_items WHERE order_id = ? AND line_number = ?",
                arguments: [order.id, line])
        } else if trimmed.count >= 4 {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM order_items WHERE order_id = ? AND id LIKE ? ESCAPE '\\'",
                arguments: [order.id, Self.likePrefix(trimmed.lowercased())])
        } else {
            rows = []
        }
        guard let row = rows.first else { throw StoreError.itemNotFound(order: order.orderNumber, item: reference) }
        guard rows.count == 1 else { throw StoreError.ambiguousReference(kind: "item", reference: reference) }
        return try Decode.item(row, currency: order.currency)
    }

    static func likePrefix(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
