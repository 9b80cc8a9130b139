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
            let history = try Row.fetchCursor(
                db,
                sql: """
                    SELECT order_id, from_status, to_status, changed_by, changed_at, hlc, node_id, id
                    FROM order_status_history
                    """)
            while let row = try history.next() {
                let changedAt: String = row["changed_at"]
                guard let seconds = Timestamp.seconds(changedAt) else {
                    throw StoreError.corruptValue(table: "order_status_history", column: "changed_at", value: changedAt)
                }
                let hlc = String(try row.value("hlc", table: "order_status_history", as: HLC.self).packed, radix: 16)
                let nodeID = try row.value("node_id", table: "order_status_history", as: String.self)
                let id: String = row["id"]
                moves[row["order_id"], default: []].append(
                    OrderTimeline.Move(
                        from: try Decode.optional(OrderStatus.self, row, "from_status", table: "order_status_history"),
                        to: try Decode.value(OrderStatus.self, row, "to_status", table: "order_status_history"),
                        by: row["changed_by"], atSeconds: seconds,
                        tieBreak: String(repeating: "0", count: 16 - hlc.count) + hlc + " \(nodeID) \(id)"))
            }
            return try Row.fetchAll(db, sql: "SELECT id, order_number, status, needed_by FROM orders").map { row in
                let id: String = row["id"]
                let neededBy: String? = row["needed_by"]
                return OrderTimeline(
                    orderID: id, orderNumber: row["order_number"],
                    status: try Decode.value(OrderStatus.self, row, "status", table: "orders"),
                    neededBy: try neededBy.map { text in
                        do { return try CalendarDate(parsing: text) } catch {
                            throw StoreError.corruptValue(table: "orders", column: "needed_by", value: text)
                        }
                    }, moves: moves[id] ?? [])
            }
        }
    }

    /// Processing analytics of the replica since `since` (nil: all history), at the store's clock.
    package func analytics(since: CalendarDate?) throws(StoreError) -> PeriodAnalytics {
        PeriodAnalytics(try analyticsTimelines(), since: since, nowSeconds: Double(wallClockMillis()) / 1000)
    }
}
