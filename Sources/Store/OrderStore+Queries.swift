import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// One line of the priority queue.
package struct QueueEntry: Hashable, Sendable {
    package var position: Int
    package var score: Int
    /// Why the score is what it is: priority base, age bonus, needed-by bonus.
    package var scoreParts: PriorityScore.Parts
    package var queueType: String
    package var order: OrderRecord
    /// Who is working on it (`kct queue claim`), if anyone.
    package var claim: ClaimHolder?
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
        try read { db in try detail(db, reference) }
    }

    /// The order with its items, status history, exceptions and communication log, central's
    /// provider facts and its requests to providers, all from one view of the replica
    /// (`kct orders show`).
    package func detailWithIntegrations(_ reference: String) throws(StoreError)
        -> (detail: OrderDetail, facts: [String: FieldValue], requests: [IntegrationRequestRecord])
    {
        try read { db in
            let detail = try detail(db, reference)
            let (facts, requests) = try integrations(db, orderID: detail.order.id)
            return (detail, facts, requests)
        }
    }

    func detail(_ db: Database, _ reference: String) throws -> OrderDetail {
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

    /// The first `limit` open orders by score at the current time, then oldest first. Reads at most
    /// `limit` orders of each queue segment from the open-order indexes and scores only those
    /// (`QueueSegment` says why that is exact), so it costs the same with 100 open orders as with a
    /// million. Nothing is written: scores depend on the moment they are computed at. `statuses`
    /// and `priorities` (empty: all) narrow the queue; positions are within what is shown.
    package func queue(limit: Int = 50, statuses: [OrderStatus] = [], priorities: [OrderPriority] = [])
        throws(StoreError) -> [QueueEntry]
    {
        let nowSeconds = Double(wallClockMillis()) / 1000
        let segments = PriorityScore.segments(
            nowSeconds: nowSeconds, priorities: priorities.isEmpty ? OrderPriority.allCases : priorities)
        let statusFilter =
            statuses.isEmpty ? "" : " AND status IN (\(ReplicaMigrations.quoted(statuses.map(\.rawValue))))"
        return try read { db in
            var top = QueueTop<String>(limit: limit)
            for segment in segments.sorted(by: { $0.highestScore > $1.highestScore }) {
                // Segments come by their highest possible score: once one cannot enter, none can.
                guard top.mayAdmit(score: segment.highestScore) else { break }
                let (condition, day, byAge): (String, CalendarDate, Bool) =
                    switch segment.deadline {
                    case .before(let date): ("needed_by < ?", date, false)
                    case .on(let date): ("needed_by = ?", date, false)
                    case .noneOrAfter(let date): ("(needed_by IS NULL OR needed_by > ?)", date, true)
                    }
                let statement = try db.cachedStatement(
                    sql: Self.queueSegmentSQL(deadline: condition + statusFilter, byAge: byAge))
                let rows = try Row.fetchCursor(
                    statement, arguments: [segment.priority.rawValue, day.description, limit])
                while let row = try rows.next() {
                    let createdAt: String = row["created_at"]
                    guard let createdAtSeconds = Timestamp.seconds(createdAt) else {
                        throw StoreError.corruptValue(table: "orders", column: "created_at", value: createdAt)
                    }
                    let rank = QueueRank(
                        score: segment.score(createdAtSeconds: createdAtSeconds, nowSeconds: nowSeconds),
                        createdAt: createdAt, orderNumber: row["order_number"], id: row["id"] as String)
                    // The segment's later rows rank after this one: if it missed, they all do.
                    guard top.offer(rank) else { break }
                }
            }
            let byID = try db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?")
            var entries = try top.ranks.enumerated().map { index, rank in
                guard let row = try Row.fetchOne(byID, arguments: [rank.id]) else {
                    throw StoreError.orderNotFound(rank.id)
                }
                let order = try Decode.order(row)
                let parts = PriorityScore.parts(
                    priority: order.priority, createdAtSeconds: Timestamp.seconds(order.createdAt) ?? nowSeconds,
                    neededBy: order.neededBy, nowSeconds: nowSeconds)
                return QueueEntry(
                    position: index + 1, score: rank.score, scoreParts: parts,
                    queueType: PriorityScore.queueType(order.priority), order: order)
            }
            let holders = try Self.claimHolders(db, orders: entries.map(\.order))
            for index in entries.indices { entries[index].claim = holders[entries[index].order.id] ?? nil }
            return entries
        }
    }

    /// One segment's orders, oldest first, through the open-order index the segment is ordered
    /// by (`INDEXED BY` makes a query that could not use it fail instead of scanning). Orders of
    /// one `needed_by` day come in index order; the overdue segment sorts only the overdue orders
    /// of its priority; the no-deadline segment walks the priority's open orders by age, skipping
    /// those with a near deadline.
    static func queueSegmentSQL(deadline: String, byAge: Bool = false) -> String {
        let index = byAge ? "orders_open_by_age" : "orders_open_by_deadline"
        return """
            SELECT id, created_at, order_number FROM orders INDEXED BY \(index)
            WHERE status NOT IN (\(ReplicaMigrations.terminalStatuses)) AND priority = ? AND \(deadline)
            ORDER BY created_at, order_number LIMIT ?
            """
    }

    /// The seed's dashboard figures: the counts and sums per group that triggers keep in
    /// `order_counts` (`ReplicaMigrations.orderCounts`), combined by `DashboardStats`. Reads a
    /// few dozen rows however many orders there are.
    package func stats() throws(StoreError) -> DashboardStats {
        try read { db in
            let groups = try Row.fetchAll(
                db,
                sql: """
                    SELECT status, nullif(resume_status, '') AS resume_status, priority, currency,
                      order_count AS count, total_minor_units AS total
                    FROM order_counts
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

extension OrderStore {
    /// Rewrites the replica compactly (`kct vacuum`); safe while the node daemon serves it
    /// (`DatabaseVacuum` says why).
    package func vacuum() throws(StoreError) -> VacuumReport {
        do { return try DatabaseVacuum.run(pool) } catch { throw StoreError.wrap(error) }
    }
}
