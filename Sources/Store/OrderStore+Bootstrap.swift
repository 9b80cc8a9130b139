import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// A snapshot bootstrap under way, for `kct sync status`, `GET /api/sync` and progress bars.
package struct BootstrapProgress: Sendable, Equatable {
    /// The version the snapshot is pinned at; the node pulls from it when done.
    package var version: Int64
    package var ordersDone: Int64
    /// Orders in the scope when the snapshot started (nil: not told yet).
    package var ordersTotal: Int64?
    package var startedAt: Date?

    package init(version: Int64, ordersDone: Int64, ordersTotal: Int64?, startedAt: Date?) {
        self.version = version
        self.ordersDone = ordersDone
        self.ordersTotal = ordersTotal
        self.startedAt = startedAt
    }
}

extension OrderStore {
    /// The next snapshot request when the replica must bootstrap before pulling (nil: it pulls):
    /// the first page, or the page after the last one merged (its checkpoint).
    package func pendingSnapshot(limit: Int = SnapshotRequest.defaultLimit) throws(StoreError) -> SnapshotRequest? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT bootstrap_needed, snapshot_version, snapshot_after FROM sync_state")
            else { return nil }
            let needed: Bool = row["bootstrap_needed"]
            let version: Int64? = row["snapshot_version"]
            guard needed || version != nil else { return nil }
            return SnapshotRequest(version: version, after: version == nil ? nil : row["snapshot_after"], limit: limit)
        }
    }

    /// Central compacted its log past this replica's cursor, or the snapshot under way is no longer
    /// pullable from its version: bootstrap (again) from a new snapshot. The outbox stays, and so
    /// does the confirmed replica, which the snapshot is joined with.
    package func requireBootstrap() throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE sync_state SET bootstrap_needed = 1, snapshot_version = NULL, snapshot_after = NULL,
                      snapshot_orders_done = 0, snapshot_orders_total = NULL, snapshot_started_at = NULL
                    """)
        }
    }

    package func bootstrapProgress() throws(StoreError) -> BootstrapProgress? {
        try read { db in try Self.bootstrapProgress(db) }
    }

    static func bootstrapProgress(_ db: Database) throws -> BootstrapProgress? {
        guard
            let row = try Row.fetchOne(
                db,
                sql:
                    """
                    SELECT snapshot_version, snapshot_orders_done, snapshot_orders_total, snapshot_started_at
                    FROM sync_state
                    """),
            let version: Int64 = row["snapshot_version"]
        else { return nil }
        let started = (row["snapshot_started_at"] as String?).flatMap(Timestamp.seconds)
        return BootstrapProgress(
            version: version, ordersDone: row["snapshot_orders_done"], ordersTotal: row["snapshot_orders_total"],
            startedAt: started.map { Date(timeIntervalSince1970: $0) })
    }

    /// Merges one snapshot page in one transaction, with the checkpoint (the snapshot's version
    /// and the last order merged), so a bootstrap resumes after the last page committed. Each row
    /// and register is joined with what the replica already confirms (`RowState.joined`): for an
    /// empty replica that is the snapshot's state itself, written straight into the confirmed
    /// replica and projected onto the typed tables, without replaying changes. The orders are
    /// projected with the pending outbox over them, so unsynced edits stay visible. The last page
    /// moves the cursor to the snapshot's version and ends the bootstrap.
    ///
    /// An order the replica holds nothing of, confirmed or pending (every order of an empty
    /// workstation), is written as it comes (`insertFresh`): there is nothing to read first, join
    /// with or replace.
    package func applySnapshotPage(_ page: SnapshotPage) throws(StoreError) -> SyncApplyReport {
        try applySnapshotPage(page, freshOrdersInBulk: true)
    }

    /// `freshOrdersInBulk` false joins every order, fresh or not: the reference the tests hold
    /// the bulk path to.
    func applySnapshotPage(_ page: SnapshotPage, freshOrdersInBulk: Bool) throws(StoreError) -> SyncApplyReport {
        let nowText = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            // A bootstrap writes each page once and reads back almost nothing it wrote: the
            // writer's full cache would only raise the process's peak RSS. Restored by the
            // last page (and by the next process, which opens with the full cache).
            try db.execute(
                sql: "PRAGMA cache_size = -\(page.hasMore ? Self.bootstrapCacheKiB : Self.writerCacheKiB)")
            var report = SyncApplyReport()
            let pinned = try Int64.fetchOne(db, sql: "SELECT snapshot_version FROM sync_state")
            if let pinned, pinned != page.version {
                throw StoreError.syncRefused(
                    "the snapshot page is of version \(page.version), the bootstrap under way of version \(pinned)")
            }
            if pinned == nil {
                try db.execute(
                    sql: """
                        UPDATE sync_state SET snapshot_version = ?, snapshot_after = NULL, snapshot_orders_done = 0,
                          snapshot_orders_total = ?, snapshot_started_at = ?
                        """, arguments: [page.version, page.ordersTotal, nowText])
            }
            let pendingOrders = try Self.pendingOrderIDs(db)
            var clock = try Self.loadClock(db)
            var rejoined: Set<String> = []
            let freshOrders =
                freshOrdersInBulk
                ? try Self.freshOrderIDs(db, among: Set(page.orders.map(\.orderID)), pending: pendingOrders) : []
            for order in page.orders {
                report.applied += 1
                report.touchedOrderIDs.insert(order.orderID)
                if freshOrders.contains(order.orderID) {
                    try Self.insertFresh(db, order, clock: &clock, nowText: nowText)
                    continue
                }
                let known = try ConfirmedState.rows(db, orderID: order.orderID)
                var rows = known
                for row in order.rows {
                    let joined = known[row.key].map { $0.joined(with: row) } ?? row
                    if joined != known[row.key] { try ConfirmedState.save(db, joined) }
                    rows[row.key] = joined
                    for value in row.fields.values { clock.advance(past: value.stamp.hlc) }
                    for value in [row.appended, row.tombstone].compactMap({ $0 }) {
                        clock.advance(past: value.stamp.hlc)
                    }
                }
                var register = StatusRegister(moves: order.moves)
                if !known.isEmpty {
                    rejoined.insert(order.orderID)
                    register = try ConfirmedState.register(db, orderID: order.orderID).joined(with: register)
                }
                try ConfirmedState.save(db, orderID: order.orderID, register)
                for move in order.moves { clock.advance(past: move.stamp.hlc) }
                if pendingOrders.contains(order.orderID) {
                    try reproject(db, orders: [order.orderID], nowText: nowText)
                } else {
                    try Self.project(
                        db, OrderView(rows: rows, register: register), orderID: order.orderID, nowText: nowText)
                }
            }
            try Self.storeClock(db, clock)
            try db.execute(
                sql: """
                    UPDATE sync_state SET snapshot_after = coalesce(?, snapshot_after),
                      snapshot_orders_done = snapshot_orders_done + ?, head_version = max(coalesce(head_version, 0), ?)
                    """, arguments: [page.nextAfter, page.orders.count, page.headVersion])
            if !page.hasMore {
                try db.execute(
                    sql: """
                        UPDATE sync_state SET pull_cursor = max(pull_cursor, ?), bootstrap_needed = 0,
                          snapshot_version = NULL, snapshot_after = NULL, snapshot_orders_done = 0,
                          snapshot_orders_total = NULL, snapshot_started_at = NULL
                        """, arguments: [page.version])
            }
            report.conflictsRecorded += try recordLostClaims(db, orders: rejoined, nowText: nowText)
            return report
        }
    }

    /// The writer's page cache while a snapshot's pages are merged.
    static let bootstrapCacheKiB = 4_096

    /// Those of `orderIDs` the replica holds nothing of: no confirmed row or move, no pending
    /// change (`pending`: the orders with pending changes, when the caller has them).
    static func freshOrderIDs(_ db: Database, among orderIDs: Set<String>, pending: Set<String>? = nil) throws
        -> Set<String>
    {
        let candidates = orderIDs.subtracting(try pending ?? pendingOrderIDs(db))
        return candidates.subtracting(try ConfirmedState.orderIDs(db, among: candidates))
    }

    /// Writes an order the replica holds nothing of: its rows and moves as the snapshot has them
    /// (joining with nothing is the identity), projected with nothing to replace.
    static func insertFresh(_ db: Database, _ order: SnapshotOrder, clock: inout HybridLogicalClock, nowText: String)
        throws
    {
        var rows: [RowKey: RowState] = [:]
        rows.reserveCapacity(order.rows.count)
        for row in order.rows {
            try ConfirmedState.save(db, row)
            rows[row.key] = row
            for value in row.fields.values { clock.advance(past: value.stamp.hlc) }
            for value in [row.appended, row.tombstone].compactMap({ $0 }) { clock.advance(past: value.stamp.hlc) }
        }
        let register = StatusRegister(moves: order.moves)
        try ConfirmedState.save(db, orderID: order.orderID, register)
        for move in order.moves { clock.advance(past: move.stamp.hlc) }
        try project(
            db, OrderView(rows: rows, register: register), orderID: order.orderID, nowText: nowText, fresh: true)
    }
}
