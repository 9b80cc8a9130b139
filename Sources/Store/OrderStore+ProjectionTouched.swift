import Foundation
import GRDB
import OrderDomain
import SyncCore

extension OrderStore {
    /// Re-projects what a pull page or push reply touched. Where an order has no pending
    /// change, its visible state is its confirmed state, so only the touched rows (and, for an
    /// order row, only the touched columns) are rewritten from the batch already in memory;
    /// totals are recomputed when an item, tax or shipping changed. An order with pending
    /// changes, one not yet shown, or one a touched row cannot be written for incrementally
    /// (a row missing required fields) is re-projected whole (`reproject(_:orders:nowText:)`).
    func reproject(_ db: Database, _ batch: ConfirmedBatch, alsoOrders: Set<String> = [], nowText: String) throws {
        let pendingOrders = try Self.pendingOrderIDs(db)
        var full = alsoOrders
        var byOrder: [String: [(key: RowKey, fields: Set<String>?)]] = [:]
        for (key, fields) in batch.touched {
            let orderID = key.entity == .order ? key.rowID : batch.rows[key]!.orderID
            if pendingOrders.contains(orderID) {
                full.insert(orderID)
            } else {
                byOrder[orderID, default: []].append((key, fields))
            }
        }
        for (orderID, rows) in byOrder where !full.contains(orderID) {
            if try !projectTouched(db, batch, orderID: orderID, rows: rows, nowText: nowText) { full.insert(orderID) }
        }
        try reproject(db, orders: full, nowText: nowText, batch: batch, pendingOrders: pendingOrders)
    }

    /// Writes the touched rows of one order without pending changes; false when the order
    /// needs a full projection instead.
    private func projectTouched(
        _ db: Database, _ batch: ConfirmedBatch, orderID: String, rows: [(key: RowKey, fields: Set<String>?)],
        nowText: String
    ) throws -> Bool {
        // Most pages touch only the order row: its currency is needed only for items.
        var currency: Currency?
        func orderCurrency() throws -> Currency? {
            if currency == nil,
                let code = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT currency FROM orders WHERE id = ?"), arguments: [orderID])
            {
                currency = try? Currency(code: code)
            }
            return currency
        }
        var totalsChanged = false
        for (key, fields) in rows.sorted(by: { $0.key < $1.key }) {
            switch key.entity {
            case .order:
                guard let fields else { return false }
                var assignments: [String] = []
                var values: [DatabaseValue] = []
                var carriesColumns = false
                let before = batch.orderRowsBefore[key] ?? nil
                for name in fields.sorted() where TypedTable.orderColumns.contains(name) {
                    guard let value = batch.rows[key]?.fields[name]?.value else { return false }
                    // An order's currency is fixed at creation; a change to it re-projects everything.
                    if name == "currency" { return false }
                    carriesColumns = true
                    // Set again as it was: the column already shows it (no pending change here).
                    if before?.fields[name]?.value == value { continue }
                    assignments.append("\(name) = ?")
                    values.append(value.databaseValue)
                    if name == "tax_amount" || name == "shipping_amount" { totalsChanged = true }
                }
                if fields.contains("status") {
                    let register = try batch.registers[orderID] ?? ConfirmedState.register(db, orderID: orderID)
                    assignments += ["status = ?", "resume_status = ?"]
                    values += [
                        register.status.rawValue.databaseValue,
                        register.resolution.resumeStatus?.rawValue.databaseValue ?? .null,
                    ]
                }
                // Still marked updated when every value stayed, as a whole projection marks it.
                guard !assignments.isEmpty || carriesColumns else { continue }
                try db.cachedStatement(
                    sql: "UPDATE orders SET \((assignments + ["updated_at = ?"]).joined(separator: ", ")) WHERE id = ?"
                )
                .execute(binding: values + [nowText.databaseValue, orderID.databaseValue])
                // Not shown yet (its creation was not visible): project it whole.
                guard db.changesCount == 1 else { return false }
            case .orderItem:
                guard let row = batch.rows[key], let currency = try orderCurrency() else { return false }
                totalsChanged = true
                if row.isDeleted {
                    try db.cachedStatement(sql: "DELETE FROM order_items WHERE id = ?").execute(arguments: [key.rowID])
                } else {
                    guard var values = TypedTable.items.values(of: row),
                        let total = OrderTotalsRule.itemTotal(of: row, currency: currency)
                    else { return false }
                    values["total_price"] = total.databaseValue
                    values["order_id"] = row.orderID.databaseValue
                    try TypedTable.items.upsert(db, id: key.rowID, values)
                }
            case .integrationRequest:
                // No typed table: read from the confirmed replica (OrderStore+Integrations.swift).
                continue
            case .statusHistory, .exception, .communicationLog, .claim:
                guard let row = batch.rows[key], try orderCurrency() != nil,
                    let table = TypedTable.table(for: key.entity)
                else { return false }
                if row.isDeleted {
                    try db.cachedStatement(sql: "DELETE FROM \(table.name) WHERE id = ?").execute(arguments: [key.rowID]
                    )
                } else {
                    guard var values = table.values(of: row) else { return false }
                    values["order_id"] = orderID.databaseValue
                    try table.upsert(db, id: key.rowID, values)
                }
            }
        }
        if totalsChanged {
            do { try recomputeTotals(db, orderID: orderID) } catch is OrderValidationError { return false }
        }
        return true
    }
}

extension TypedTable {
    /// The synced columns of `orders` a set_fields may touch.
    static let orderColumns = Set(orders.synced.map(\.name))

    /// (table name, id) of one order's shown children in every child table; binds the order id
    /// once per table.
    static let children = [items, history, exceptions, communications, claims]
    static let childTables = children.count
    static let childIDsSQL =
        children
        .map { "SELECT '\($0.name)', id FROM \($0.name) WHERE order_id = ?" }.joined(separator: " UNION ALL ")
}
