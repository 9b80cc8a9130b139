import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Filters of `kct orders list`.
package struct OrderFilter: Sendable {
    package var statuses: [OrderStatus] = []
    package var priorities: [OrderPriority] = []
    /// Words matched as prefixes against order number, customer name, e-mail and phone.
    package var search: String?
    package var limit: Int = 50

    package init(statuses: [OrderStatus] = [], priorities: [OrderPriority] = [], search: String? = nil, limit: Int = 50)
    {
        self.statuses = statuses
        self.priorities = priorities
        self.search = search
        self.limit = limit
    }
}

/// One line of the priority queue.
package struct QueueEntry: Hashable, Sendable {
    package var position: Int
    package var score: Int
    package var queueType: String
    package var order: OrderRecord
}

/// The outbox as `kct outbox` shows it.
package struct OutboxSummary: Sendable {
    package var pendingCount: Int
    package var lastSequence: Int64
    package var pushedUpTo: Int64
    package var entries: [Change]
}

extension OrderStore {
    /// An order by id or order number (case-insensitive).
    func resolveOrder(_ db: Database, _ reference: String) throws -> OrderRecord {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM orders WHERE order_number = ? OR id = ?"),
            arguments: [trimmed.uppercased(), trimmed.lowercased()])
        guard let row else { throw StoreError.orderNotFound(reference) }
        return try Decode.order(row)
    }

    package func order(_ reference: String) throws(StoreError) -> OrderRecord {
        try read { db in try resolveOrder(db, reference) }
    }

    func orderRecord(id: String) throws(StoreError) -> OrderRecord { try order(id) }

    /// The currency of an order; it is fixed when the order is created.
    package func currency(of reference: String) throws(StoreError) -> Currency { try order(reference).currency }

    func itemRecord(orderID: String, itemID: String) throws(StoreError) -> OrderItemRecord {
        try read { db in
            let order = try resolveOrder(db, orderID)
            return try resolveItem(db, order: order, itemID)
        }
    }

    /// The order with its items, status history, exceptions and communication log.
    package func detail(_ reference: String) throws(StoreError) -> OrderDetail {
        try read { db in
            let order = try resolveOrder(db, reference)
            let arguments: StatementArguments = [order.id]
            return OrderDetail(
                order: order,
                items: try Row.fetchAll(
                    db, sql: "SELECT * FROM order_items WHERE order_id = ? ORDER BY line_number, id",
                    arguments: arguments
                )
                .map { try Decode.item($0, currency: order.currency) },
                history: try Row.fetchAll(
                    db, sql: "SELECT * FROM order_status_history WHERE order_id = ? ORDER BY changed_at, hlc",
                    arguments: arguments
                )
                .map(Decode.history),
                exceptions: try Row.fetchAll(
                    db, sql: "SELECT * FROM order_exceptions WHERE order_id = ? ORDER BY created_at, id",
                    arguments: arguments
                )
                .map(Decode.exception),
                communications: try Row.fetchAll(
                    db, sql: "SELECT * FROM customer_communication_logs WHERE order_id = ? ORDER BY created_at, hlc",
                    arguments: arguments
                )
                .map(Decode.communication))
        }
    }

    /// Orders matching the filter, newest first.
    package func orders(_ filter: OrderFilter) throws(StoreError) -> [OrderRecord] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if !filter.statuses.isEmpty {
            conditions.append(
                "status IN (\(Array(repeating: "?", count: filter.statuses.count).joined(separator: ", ")))")
            arguments += filter.statuses.map(\.rawValue)
        }
        if !filter.priorities.isEmpty {
            conditions.append(
                "priority IN (\(Array(repeating: "?", count: filter.priorities.count).joined(separator: ", ")))")
            arguments += filter.priorities.map(\.rawValue)
        }
        let searchQuery = filter.search.flatMap(Self.searchQuery)
        // The index is brought up to date here, not by edits (OrderStore+SearchIndex.swift).
        let indexed = searchQuery == nil ? true : try catchUpSearchIndex()
        return try read { db in
            var conditions = conditions, arguments = arguments
            if let searchQuery {
                if indexed {
                    conditions.append("local_id IN (SELECT rowid FROM orders_search WHERE orders_search MATCH ?)")
                    arguments.append(searchQuery)
                } else {
                    conditions.append(try Self.pendingSearchCondition(db))
                    arguments += [searchQuery, searchQuery]
                }
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments.append(filter.limit)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM orders \(whereClause) ORDER BY created_at DESC, order_number DESC LIMIT ?",
                arguments: StatementArguments(arguments)
            ).map(Decode.order)
        }
    }

    /// An FTS5 query from free text: each run of letters and digits becomes a quoted prefix
    /// term, all of which must match. Nil when the text has no such run (matches everything).
    static func searchQuery(_ text: String) -> String? {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"*" }.joined(separator: " ")
    }

    /// Recomputes the priority queue at the current time (a local, derived table: no outbox
    /// entries) and returns it: non-terminal orders by score, then oldest first.
    package func queue(limit: Int = 50) throws(StoreError) -> [QueueEntry] {
        let nowMillis = wallClockMillis()
        let nowSeconds = Double(nowMillis) / 1000
        let now = Timestamp.format(millis: nowMillis)
        let terminal = OrderStatus.allCases.filter(\.isTerminal).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        do {
            return try pool.writeWithoutTransaction { db in
                var entries: [QueueEntry] = []
                try db.inTransaction(.immediate) {
                    let open = try Row.fetchAll(db, sql: "SELECT * FROM orders WHERE status NOT IN (\(terminal))").map(
                        Decode.order)
                    let scored = open.map { order in
                        (
                            order,
                            PriorityScore.score(
                                priority: order.priority,
                                createdAtSeconds: Timestamp.seconds(order.createdAt) ?? nowSeconds,
                                neededBy: order.neededBy, nowSeconds: nowSeconds)
                        )
                    }.sorted { a, b in
                        (a.1, b.0.createdAt, b.0.orderNumber) > (b.1, a.0.createdAt, a.0.orderNumber)
                    }
                    try db.execute(
                        sql:
                            """
                            DELETE FROM order_priority_queue WHERE order_id NOT IN (SELECT id FROM orders WHERE
                            status NOT IN (\(terminal)))
                            """
                    )
                    let upsert = try db.cachedStatement(
                        sql: """
                            INSERT INTO order_priority_queue (id, order_id, queue_position, priority_score,
                              queue_type, scored_at)
                            VALUES (?, ?, ?, ?, ?, ?)
                            ON CONFLICT (order_id) DO UPDATE SET queue_position = excluded.queue_position,
                              priority_score = excluded.priority_score, queue_type = excluded.queue_type, scored_at =
                                excluded.scored_at
                            """)
                    for (index, (order, score)) in scored.enumerated() {
                        let type = PriorityScore.queueType(order.priority)
                        try upsert.execute(arguments: [RowID.make(), order.id, index + 1, score, type, now])
                        if index < limit {
                            entries.append(QueueEntry(position: index + 1, score: score, queueType: type, order: order))
                        }
                    }
                    return .commit
                }
                return entries
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// The seed's dashboard figures, from counts and sums grouped in SQL and combined by
    /// `DashboardStats`.
    package func stats() throws(StoreError) -> DashboardStats {
        try read { db in
            let groups = try Row.fetchAll(
                db,
                sql: """
                    SELECT status, resume_status, priority, currency, count(*) AS count, sum(total_amount) AS total
                    FROM orders GROUP BY status, resume_status, priority, currency
                    """
            ).map { row in
                DashboardStats.Group(
                    status: try Decode.value(OrderStatus.self, row, "status", table: "orders"),
                    resumeStatus: try Decode.optional(OrderStatus.self, row, "resume_status", table: "orders"),
                    priority: try Decode.value(OrderPriority.self, row, "priority", table: "orders"),
                    currency: try Decode.currency(row, table: "orders"), count: row["count"],
                    totalMinorUnits: row["total"])
            }
            return DashboardStats(groups: groups)
        }
    }

    /// Pending outbox entries (not yet pushed), oldest first.
    package func outbox(limit: Int = 100) throws(StoreError) -> OutboxSummary {
        try read { db in
            let pushed = try Int64.fetchOne(db, sql: "SELECT pushed_up_to FROM sync_state") ?? 0
            let last = try Int64.fetchOne(db, sql: "SELECT outbox_last_sequence FROM node_state") ?? 0
            let pending =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE sequence > ?", arguments: [pushed]) ?? 0
            let entries = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [pushed, limit]
            ).map { row in try Self.change(row, nodeID: identity.nodeID) }
            return OutboxSummary(pendingCount: pending, lastSequence: last, pushedUpTo: pushed, entries: entries)
        }
    }

    /// Outbox entries with `sequence > after`, for the push path and for tests.
    package func outboxEntries(after: Int64 = 0, limit: Int = .max) throws(StoreError) -> [Change] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [after, limit]
            )
            .map { try Self.change($0, nodeID: identity.nodeID) }
        }
    }

    static func change(_ row: Row, nodeID: String) throws -> Change {
        let fieldsText: String = row["fields"]
        let fields: [String: FieldValue]
        do { fields = try OutboxCodec.decode(fieldsText) } catch {
            throw StoreError.corruptValue(table: "outbox", column: "fields", value: fieldsText)
        }
        return Change(
            nodeID: nodeID, sequence: row["sequence"], hlc: try row.value("hlc", table: "outbox"),
            entity: try Decode.value(EntityKind.self, row, "entity", table: "outbox"), rowID: row["row_id"],
            orderID: row["order_id"], operation: try Decode.value(ChangeOperation.self, row, "op", table: "outbox"),
            fields: fields, author: row["author"], baseVersion: row["base_version"])
    }

    /// The persisted clock state (for tests and diagnostics).
    package func clockState() throws(StoreError) -> HLC {
        try read { db in try HLC.fetchOne(db, sql: "SELECT hlc_last FROM node_state") ?? .zero }
    }

    /// `PRAGMA integrity_check`'s lines; `["ok"]` for a sound file.
    package func integrityCheck() throws(StoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}
