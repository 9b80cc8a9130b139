import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// The visible replica: the typed tables staff read are the projection of the confirmed
/// replica with the pending outbox merged over it (`NodeReplica.view`). After a pull page or a
/// push reply only the touched orders are re-projected, from their confirmed rows, status
/// moves and pending changes, merged with SyncCore's rules; derived amounts come from
/// SyncCore's `OrderTotalsRule`, as at central.
extension OrderStore {
    /// One order's visible merge state: confirmed rows and register with its pending changes
    /// merged over them (version 0).
    struct OrderView: ReplicaReading {
        var rows: [RowKey: RowState]
        var register: StatusRegister

        func row(_ key: RowKey) -> RowState? { rows[key] }
    }

    /// `batch` holds confirmed rows and registers already in memory (written by its flush), which
    /// are not decoded again; `hasPending` false skips the outbox when the caller knows the order
    /// has no pending change.
    static func orderView(
        _ db: Database, orderID: String, pushedUpTo: Int64, nodeID: String, batch: ConfirmedBatch? = nil,
        hasPending: Bool = true
    ) throws -> OrderView {
        var view = OrderView(
            rows: try ConfirmedState.rows(db, orderID: orderID, known: batch?.rows ?? [:]),
            register: try batch?.registers[orderID] ?? ConfirmedState.register(db, orderID: orderID))
        guard hasPending else { return view }
        let pending = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM outbox WHERE order_id = ? AND sequence > ? ORDER BY sequence"),
            arguments: [orderID, pushedUpTo])
        for row in pending {
            let change = try change(row, nodeID: nodeID)
            if change.operation == .setStatus {
                // A move recorded before moves carried from_status cannot be replayed; central
                // rejects it, and its rejection removes it from the outbox.
                guard StatusMove(change, version: 0) != nil else { continue }
                _ = view.register.merge(change, version: 0)
            } else {
                let key = RowKey(change.entity, change.rowID)
                _ = view.rows[
                    key, default: RowState(entity: change.entity, rowID: change.rowID, orderID: change.orderID)
                ]
                .merge(change, version: 0)
            }
        }
        return view
    }

    /// Rewrites the typed rows of `orders` from their visible merge state. `batch` (flushed) and
    /// `pendingOrders` (every order with pending changes), when given, spare reading again what
    /// the caller already holds.
    func reproject(
        _ db: Database, orders: Set<String>, nowText: String, batch: ConfirmedBatch? = nil,
        pendingOrders: Set<String>? = nil
    ) throws {
        guard !orders.isEmpty else { return }
        let pushed = try Self.syncCounters(db).pushed
        for orderID in orders.sorted() {
            let view = try Self.orderView(
                db, orderID: orderID, pushedUpTo: pushed, nodeID: identity.nodeID, batch: batch,
                hasPending: pendingOrders?.contains(orderID) ?? true)
            try Self.project(db, view, orderID: orderID, nowText: nowText)
        }
    }

    static func project(_ db: Database, _ view: OrderView, orderID: String, nowText: String) throws {
        guard let order = view.rows[RowKey(.order, orderID)], !order.isDeleted,
            let values = TypedTable.orders.values(of: order),
            case .text(let code)? = order.fields["currency"]?.value, let currency = try? Currency(code: code)
        else {
            // Not visible (never created here, or its creation was rejected): its rows go with it.
            try db.cachedStatement(sql: "DELETE FROM orders WHERE id = ?").execute(arguments: [orderID])
            return
        }
        var orderValues = values
        let status = view.register.resolution
        orderValues["status"] = status.status.rawValue.databaseValue
        orderValues["resume_status"] = status.resumeStatus?.rawValue.databaseValue ?? .null

        // Items first, for the totals (SyncCore's rule, as at central).
        var itemValues: [String: [String: DatabaseValue]] = [:]
        var itemRows: [RowState] = []
        for (key, row) in view.rows where key.entity == .orderItem && !row.isDeleted {
            guard var values = TypedTable.items.values(of: row) else { continue }
            values["order_id"] = row.orderID.databaseValue
            itemValues[key.rowID] = values
            itemRows.append(row)
        }
        let derived = OrderTotalsRule.derive(order: order, items: itemRows)
        for row in itemRows {
            itemValues[row.rowID]?["total_price"] = derived[row.key]?["total_price"]?.databaseValue ?? .null
        }
        for name in ["subtotal_amount", "total_amount"] {
            orderValues[name] = derived[order.key]?[name]?.databaseValue ?? .null
        }
        orderValues["updated_at"] = nowText.databaseValue
        try TypedTable.orders.upsert(db, id: orderID, orderValues)

        // The children shown now, of every child table in one statement (none for a new order).
        var existing: [String: [String]] = [:]
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: TypedTable.childIDsSQL),
            arguments: StatementArguments(Array(repeating: orderID, count: TypedTable.childTables)))
        while let row = try cursor.next() { existing[row[0], default: []].append(row[1]) }
        try replaceChildren(db, .items, orderID: orderID, existing: existing[TypedTable.items.name] ?? [], itemValues)
        for (table, entity) in [
            (TypedTable.history, EntityKind.statusHistory), (.exceptions, .exception),
            (.communications, .communicationLog), (.claims, .claim),
        ] {
            var children: [String: [String: DatabaseValue]] = [:]
            for (key, row) in view.rows where key.entity == entity && !row.isDeleted {
                guard let values = table.values(of: row) else { continue }
                children[key.rowID] = values
            }
            try replaceChildren(db, table, orderID: orderID, existing: existing[table.name] ?? [], children)
        }
    }

    /// Upserts the visible children of one order and deletes the ones (of `existing`) no longer visible.
    private static func replaceChildren(
        _ db: Database, _ table: TypedTable, orderID: String, existing: [String],
        _ rows: [String: [String: DatabaseValue]]
    ) throws {
        for id in existing where rows[id] == nil {
            try db.cachedStatement(sql: "DELETE FROM \(table.name) WHERE id = ?").execute(arguments: [id])
        }
        for (id, values) in rows.sorted(by: { $0.key < $1.key }) {
            var values = values
            values["order_id"] = orderID.databaseValue
            try table.upsert(db, id: id, values)
        }
    }
}

/// A typed table as the projection writes it: its synced columns with the value a row takes
/// when no change set it, the columns a row needs to be shown at all, and local columns.
struct TypedTable: Sendable {
    let name: String
    /// Synced columns and their fallback (the table's default, or NULL).
    let synced: [(name: String, fallback: DatabaseValue)]
    /// A row missing one of these is not shown (it was never fully created here).
    let required: Set<String>
    /// Columns the projection computes (derived, status, stamps, local bookkeeping).
    let computed: [String]
    /// Whether rows carry the `hlc` / `node_id` of the append that created them.
    let carriesStamp: Bool
    /// Built once: the projection upserts a row per touched record.
    let upsertSQL: String

    init(
        name: String, synced: [(name: String, fallback: DatabaseValue)], required: Set<String>, computed: [String],
        carriesStamp: Bool = false
    ) {
        self.name = name
        self.synced = synced
        self.required = required
        self.computed = computed
        self.carriesStamp = carriesStamp
        let columns = ["id"] + synced.map(\.name) + computed
        let updates = (synced.map(\.name) + computed).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        upsertSQL =
            """
            INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES
            (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET \(updates)
            """
    }

    static let orders = TypedTable(
        name: "orders",
        synced: [
            ("order_number", .null), ("customer_name", .null), ("customer_email", .null), ("customer_phone", .null),
            ("priority", "normal".databaseValue), ("currency", "USD".databaseValue), ("tax_amount", 0.databaseValue),
            ("shipping_amount", 0.databaseValue), ("needed_by", .null), ("shipping_address", .null),
            ("billing_address", .null),
            ("notes", .null), ("created_at", .null), ("created_by", "".databaseValue),
        ],
        required: ["order_number", "customer_name", "customer_email", "currency"],
        computed: ["status", "resume_status", "subtotal_amount", "total_amount", "updated_at"])

    static let items = TypedTable(
        name: "order_items",
        synced: [
            ("line_number", 1.databaseValue), ("product_source", "catalog".databaseValue), ("product_name", .null),
            ("size", .null),
            ("color", .null), ("custom_measurements", .null), ("quantity", 1.databaseValue), ("unit_price", .null),
            ("created_at", .null),
        ],
        required: ["product_name", "unit_price"],
        computed: ["order_id", "total_price"])

    static let history = TypedTable(
        name: "order_status_history",
        synced: [
            ("from_status", .null), ("to_status", .null), ("changed_by", .null), ("changed_at", .null), ("note", .null),
            ("duration_in_previous_seconds", .null),
        ],
        required: ["to_status", "changed_by", "changed_at"],
        computed: ["order_id", "hlc", "node_id"], carriesStamp: true)

    static let exceptions = TypedTable(
        name: "order_exceptions",
        synced: [
            ("exception_type", .null), ("exception_severity", .null), ("description", .null),
            ("resolution_status", "open".databaseValue),
            ("customer_notified", false.databaseValue), ("resolution_notes", .null), ("created_at", .null),
            ("created_by", "".databaseValue),
            ("resolved_at", .null), ("resolved_by", .null),
        ],
        required: ["exception_type", "exception_severity"],
        computed: ["order_id"])

    static let communications = TypedTable(
        name: "customer_communication_logs",
        synced: [
            ("communication_type", .null), ("communication_channel", .null), ("message_content", .null),
            ("delivery_status", "pending".databaseValue), ("sent_at", .null), ("delivered_at", .null),
            ("opened_at", .null),
            ("created_at", .null), ("created_by", "".databaseValue),
        ],
        required: ["communication_type", "communication_channel", "message_content"],
        computed: ["order_id", "hlc", "node_id"], carriesStamp: true)

    static let claims = TypedTable(
        name: "order_claims",
        synced: [
            ("claim_action", .null), ("stage", .null), ("claimed_by", .null), ("released_claim_id", .null),
            ("created_at", .null),
        ],
        required: ["claim_action", "stage", "claimed_by"],
        computed: ["order_id", "hlc", "node_id"], carriesStamp: true)

    /// The synced column values of a merged row; nil when it lacks a required column. A
    /// missing `created_at` falls back to the time of the row's earliest stamp.
    func values(of row: RowState) -> [String: DatabaseValue]? {
        var values: [String: DatabaseValue] = [:]
        for (name, fallback) in synced {
            if let stamped = row.fields[name] {
                values[name] = stamped.value.databaseValue
            } else if required.contains(name) {
                return nil
            } else if name == "created_at" {
                let earliest = row.appended ?? row.fields.values.min { $0.key < $1.key }
                values[name] = Timestamp.format(millis: earliest?.stamp.hlc.millis ?? 0).databaseValue
            } else {
                values[name] = fallback
            }
            if values[name] == .null, required.contains(name) { return nil }
        }
        if carriesStamp {
            let stamp = row.appended ?? row.fields.values.min { $0.key < $1.key }
            values["hlc"] = (stamp?.stamp.hlc ?? .zero).databaseValue
            values["node_id"] = (stamp?.stamp.nodeID ?? "").databaseValue
        }
        return values
    }

    /// The typed table of an entity; nil for integration requests, which live only in the
    /// confirmed replica and the outbox (`OrderStore.integrationRequests(orderID:)` reads them).
    static func table(for entity: EntityKind) -> TypedTable? {
        switch entity {
        case .order: orders
        case .orderItem: items
        case .statusHistory: history
        case .exception: exceptions
        case .communicationLog: communications
        case .claim: claims
        case .integrationRequest: nil
        }
    }

    func upsert(_ db: Database, id: String, _ values: [String: DatabaseValue]) throws {
        var arguments: [DatabaseValue] = [id.databaseValue]
        for (name, fallback) in synced { arguments.append(values[name] ?? fallback) }
        for name in computed { arguments.append(values[name] ?? .null) }
        try db.cachedStatement(sql: upsertSQL).execute(arguments: StatementArguments(databaseValues: arguments))
    }
}
