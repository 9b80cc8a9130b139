import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

extension OrderStore {
    /// Every order's status history as OrderDomain's analytics reads it (the math is there).
    /// Each move's tie-break is its HLC stamp and id, so moves made in the same millisecond on
    /// different workstations sort the same on every replica.
    package func analyticsTimelines() throws(StoreError) -> [OrderTimeline] {
        try read { db in
            var moves: [String: [OrderTimeline.Move]] = [:]
            let history = try Row.fetchCursor(db, sql: "SELECT \(Self.moveColumns) FROM order_status_history")
            while let row = try history.next() { moves[row["order_id"], default: []].append(try Self.move(row)) }
            return try Row.fetchAll(db, sql: "SELECT \(Self.timelineColumns) FROM orders").map { row in
                try Self.timeline(row, moves: moves[row["id"]] ?? [])
            }
        }
    }

    /// The timelines `PeriodAnalytics` needs for a period from `since`: the orders with a move on
    /// or after that day (`order_status_history_by_time`) and the open orders whose needed-by day
    /// is before `today` (the overdue list, from the open-order index), each with its whole
    /// history. Any other order has no move in the period and is not overdue, so it adds nothing
    /// to any figure: the result equals `PeriodAnalytics` over every timeline, at the cost of the
    /// period's orders instead of all history.
    func periodTimelines(since: CalendarDate, today: CalendarDate) throws(StoreError) -> [OrderTimeline] {
        try read { db in
            var ids = Set<String>()
            // Timestamps are ISO 8601 text, so the day's date sorts just before its first moment.
            let moved = try String.fetchCursor(
                db, sql: "SELECT order_id FROM order_status_history WHERE changed_at >= ?",
                arguments: [since.description])
            while let id = try moved.next() { ids.insert(id) }
            let overdue = try db.cachedStatement(
                sql: """
                    SELECT id FROM orders INDEXED BY orders_open_by_deadline
                    WHERE status NOT IN (\(ReplicaMigrations.terminalStatuses)) AND priority = ? AND needed_by < ?
                    """)
            for priority in OrderPriority.allCases {
                ids.formUnion(try String.fetchAll(overdue, arguments: [priority.rawValue, today.description]))
            }
            let order = try db.cachedStatement(sql: "SELECT \(Self.timelineColumns) FROM orders WHERE id = ?")
            let history = try db.cachedStatement(
                sql: "SELECT \(Self.moveColumns) FROM order_status_history WHERE order_id = ?")
            return try ids.compactMap { id in
                guard let row = try Row.fetchOne(order, arguments: [id]) else { return nil }
                return try Self.timeline(row, moves: try Row.fetchAll(history, arguments: [id]).map(Self.move))
            }
        }
    }

    /// Processing analytics of the replica since `since` (nil: all history), at the store's clock.
    /// Without `includeOrders` (the per-order rows, which are as many as the period's orders) it
    /// reads the per-day totals (`OrderStore+AnalyticsTotals.swift`); with them, or when the
    /// totals cannot be brought up to date, the period's histories. Both give the same figures.
    /// The overdue orders are counted, and the first `overdueLimit` listed.
    package func analytics(
        since: CalendarDate?, includeOrders: Bool = false,
        overdueLimit: Int = PeriodAnalytics.ServiceLevel.overdueListLimit
    ) throws(StoreError) -> PeriodAnalytics {
        let nowSeconds = Double(wallClockMillis()) / 1000
        let today = CalendarDate(utcDayOf: nowSeconds)
        if !includeOrders, try catchUpAnalytics() {
            return try analyticsFromTotals(since: since, today: today, overdueLimit: overdueLimit)
        }
        let timelines =
            if let since {
                try periodTimelines(since: since, today: today)
            } else {
                try analyticsTimelines()
            }
        var analytics = PeriodAnalytics(timelines, since: since, nowSeconds: nowSeconds, overdueLimit: overdueLimit)
        if !includeOrders { analytics.orders = [] }
        return analytics
    }

    static let moveColumns = "order_id, from_status, to_status, changed_by, changed_at, hlc, node_id, id"
    static let timelineColumns = "id, order_number, status, needed_by"

    /// A status history row (`moveColumns`) as analytics reads it.
    static func move(_ row: Row) throws -> OrderTimeline.Move {
        let changedAt: String = row["changed_at"]
        guard let seconds = Timestamp.seconds(changedAt) else {
            throw StoreError.corruptValue(table: "order_status_history", column: "changed_at", value: changedAt)
        }
        let hlc = String(try row.value("hlc", table: "order_status_history", as: HLC.self).packed, radix: 16)
        let nodeID = try row.value("node_id", table: "order_status_history", as: String.self)
        let id: String = row["id"]
        return OrderTimeline.Move(
            from: try Decode.optional(OrderStatus.self, row, "from_status", table: "order_status_history"),
            to: try Decode.value(OrderStatus.self, row, "to_status", table: "order_status_history"),
            by: row["changed_by"], atSeconds: seconds,
            tieBreak: String(repeating: "0", count: 16 - hlc.count) + hlc + " \(nodeID) \(id)")
    }

    /// An order row (`timelineColumns`) and its moves.
    static func timeline(_ row: Row, moves: [OrderTimeline.Move]) throws -> OrderTimeline {
        let neededBy: String? = row["needed_by"]
        return OrderTimeline(
            orderID: row["id"], orderNumber: row["order_number"],
            status: try Decode.value(OrderStatus.self, row, "status", table: "orders"),
            neededBy: try neededBy.map { text in
                do { return try CalendarDate(parsing: text) } catch {
                    throw StoreError.corruptValue(table: "orders", column: "needed_by", value: text)
                }
            }, moves: moves)
    }
}
