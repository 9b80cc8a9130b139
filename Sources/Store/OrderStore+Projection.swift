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

    /// Writes one order's typed rows as SyncCore's `VisibleOrder` projects its merge state (the
    /// same values the checksums encode; totals by `OrderTotalsRule`, as at central). `fresh`: the
    /// order has no typed rows yet, so none are looked for to replace.
    static func project(_ db: Database, _ view: OrderView, orderID: String, nowText: String, fresh: Bool = false)
        throws
    {
        guard let visible = VisibleOrder(orderID: orderID, rows: view.rows, register: view.register),
            let shown = visible.tables[TypedTable.orders.name]?[orderID]
        else {
            // Not visible (never created here, or its creation was rejected): its rows go with it.
            try db.cachedStatement(sql: "DELETE FROM orders WHERE id = ?").execute(arguments: [orderID])
            return
        }
        var orderValues = shown.mapValues(\.databaseValue)
        orderValues["updated_at"] = nowText.databaseValue
        try TypedTable.orders.upsert(db, id: orderID, orderValues)

        // The children shown now, of every child table in one statement (none for a new order).
        var existing: [String: [String]] = [:]
        if !fresh {
            let cursor = try Row.fetchCursor(
                db.cachedStatement(sql: TypedTable.childIDsSQL),
                arguments: StatementArguments(Array(repeating: orderID, count: TypedTable.childTables)))
            while let row = try cursor.next() { existing[row[0], default: []].append(row[1]) }
        }
        for table in TypedTable.children {
            let children = (visible.tables[table.name] ?? [:]).mapValues { $0.mapValues(\.databaseValue) }
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

/// A typed table as the projection writes it: SyncCore's `VisibleTable` (synced columns, their
/// fallbacks, required columns, creating stamps: the rules the checksums also encode) plus the
/// columns the projection computes and the upsert statement.
struct TypedTable: Sendable {
    let visible: VisibleTable
    var name: String { visible.name }
    /// Synced columns and their fallback (the table's default, or NULL).
    let synced: [(name: String, fallback: DatabaseValue)]
    /// Columns the projection computes (derived, status, stamps, local bookkeeping).
    let computed: [String]
    /// Built once: the projection upserts a row per touched record.
    let upsertSQL: String

    init(_ visible: VisibleTable, computed: [String]) {
        self.visible = visible
        self.synced = visible.synced.map { ($0.name, $0.fallback.databaseValue) }
        self.computed = computed
        let columns = ["id"] + synced.map(\.name) + computed
        let updates = (synced.map(\.name) + computed).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        upsertSQL =
            """
            INSERT INTO \(visible.name) (\(columns.joined(separator: ", "))) VALUES
            (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET \(updates)
            """
    }

    static let orders = TypedTable(
        .orders, computed: ["status", "resume_status", "subtotal_amount", "total_amount", "updated_at"])
    static let items = TypedTable(.items, computed: ["order_id", "total_price"])
    static let history = TypedTable(.history, computed: ["order_id", "hlc", "node_id"])
    static let exceptions = TypedTable(.exceptions, computed: ["order_id"])
    static let communications = TypedTable(.communications, computed: ["order_id", "hlc", "node_id"])
    static let claims = TypedTable(.claims, computed: ["order_id", "hlc", "node_id"])

    /// The synced column values of a merged row (`VisibleTable.values(of:)`); nil when it lacks a
    /// required column.
    func values(of row: RowState) -> [String: DatabaseValue]? {
        visible.values(of: row)?.mapValues(\.databaseValue)
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
        try db.cachedStatement(sql: upsertSQL).execute(binding: arguments)
    }
}
