import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// This replica's bucket checksums (SYNC-PROTOCOL.md §4.11), at its pull cursor.
package struct LocalChecksums: Sendable, Equatable {
    /// The pull cursor they were computed at: comparable only with central's at the same version.
    package var version: Int64
    /// The latest head this replica heard of: a push reply may have confirmed changes beyond the
    /// cursor, and then the confirmed replica is ahead of the cursor's version.
    package var heardHead: Int64
    /// What staff see: the typed tables of orders without pending changes; for an order with
    /// pending changes (whose view legitimately differs from central's) its confirmed state.
    package var visible: ScopeChecksums
    /// The confirmed replica of every order.
    package var confirmed: ScopeChecksums
    /// Orders with pending changes: their typed rows were not compared.
    package var pendingOrders: Int

    /// Buckets where either side differs from central's.
    package func mismatches(_ central: ChecksumsResponse, buckets: ClosedRange<Int>) -> [Int] {
        buckets.filter { bucket in
            let expected = central.checksum(ofBucket: bucket)
            return visible.checksum(ofBucket: bucket) != expected || confirmed.checksum(ofBucket: bucket) != expected
        }
    }
}

/// What repairing one bucket did.
package enum BucketRepair: Sendable, Equatable {
    /// The replica's cursor moved away from the bucket's version (a page merged meanwhile):
    /// nothing changed; pull and verify again.
    case stale(cursor: Int64)
    /// The bucket's orders were rewritten from central's state; `matches` says whether the
    /// bucket's checksums equal central's afterwards.
    case repaired(orders: Set<String>, matches: Bool)
}

/// The last verification and the totals, for `kct sync status`, `GET /api/sync` and `/metrics`.
package struct VerifyStatus: Sendable, Equatable {
    package var lastAt: Date?
    package var version: Int64?
    package var bucketsChecked = 0
    package var bucketsMismatched = 0
    package var bucketsRepaired = 0
    package var runsTotal = 0
    package var mismatchedTotal = 0
    package var repairedTotal = 0

    package init(
        lastAt: Date? = nil, version: Int64? = nil, bucketsChecked: Int = 0, bucketsMismatched: Int = 0,
        bucketsRepaired: Int = 0, runsTotal: Int = 0, mismatchedTotal: Int = 0, repairedTotal: Int = 0
    ) {
        self.lastAt = lastAt
        self.version = version
        self.bucketsChecked = bucketsChecked
        self.bucketsMismatched = bucketsMismatched
        self.bucketsRepaired = bucketsRepaired
        self.runsTotal = runsTotal
        self.mismatchedTotal = mismatchedTotal
        self.repairedTotal = repairedTotal
    }
}

extension OrderStore {
    /// The replica's bucket checksums, in one read transaction (one consistent state, at its
    /// cursor). Reads every order once, one order at a time: memory stays bounded, time grows
    /// with the replica. `buckets` limits the work to those buckets' orders (every order id is
    /// still listed and hashed, but only theirs are read).
    package func localChecksums(buckets: ClosedRange<Int> = BucketChecksum.allBuckets) throws(StoreError)
        -> LocalChecksums
    {
        try read { db in try Self.checksums(db, buckets: buckets) }
    }

    static func checksums(_ db: Database, buckets: ClosedRange<Int>) throws -> LocalChecksums {
        let (cursor, pushed) = try syncCounters(db)
        let pending = try pendingOrderIDs(db, pushedUpTo: pushed)
        var result = LocalChecksums(
            version: cursor, heardHead: try heardHead(db) ?? cursor, visible: ScopeChecksums(),
            confirmed: ScopeChecksums(), pendingOrders: 0)
        try forEachOrderID(db) { orderID in
            if !buckets.contains(BucketChecksum.bucket(ofOrder: orderID)) { return }
            let confirmed = try confirmedVisibleOrder(db, orderID: orderID)
            if let confirmed { result.confirmed.add(orderID: orderID, digest: confirmed.digest) }
            if pending.contains(orderID) {
                result.pendingOrders += 1
                if let confirmed { result.visible.add(orderID: orderID, digest: confirmed.digest) }
            } else if let shown = try typedVisibleOrder(db, orderID: orderID, requestsFrom: confirmed) {
                result.visible.add(orderID: orderID, digest: shown.digest)
            }
        }
        return result
    }

    /// Replaces this replica's confirmed state of the bucket's orders with central's (`response`,
    /// at its version) and re-projects them, pending changes merged over it as after any pull, in
    /// one transaction; only while the cursor still equals the response's version.
    package func repairBucket(_ response: BucketResponse) throws(StoreError) -> BucketRepair {
        let nowText = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            let cursor = try Self.syncCounters(db).cursor
            // A push reply since may have confirmed changes beyond the version: they would be lost
            // from the confirmed replica until the next pull.
            guard cursor == response.version, try Self.heardHead(db) ?? cursor <= response.version else {
                return .stale(cursor: cursor)
            }
            var orders = Set(response.orders.map(\.orderID))
            try Self.forEachOrderID(db) { orderID in
                if BucketChecksum.bucket(ofOrder: orderID) == response.bucket { orders.insert(orderID) }
            }
            for orderID in orders.sorted() { try ConfirmedState.remove(db, orderID: orderID) }
            for order in response.orders {
                for row in order.rows { try ConfirmedState.save(db, row) }
                try ConfirmedState.save(db, orderID: order.orderID, order.register)
            }
            try reproject(db, orders: orders, nowText: nowText)
            let after = try Self.checksums(db, buckets: response.bucket...response.bucket)
            let expected = response.checksum
            return .repaired(
                orders: orders,
                matches: after.visible.checksum(ofBucket: response.bucket) == expected
                    && after.confirmed.checksum(ofBucket: response.bucket) == expected)
        }
    }

    /// Records one verification's result and adds it to the totals.
    package func recordVerify(version: Int64, checked: Int, mismatched: Int, repaired: Int) throws(StoreError) {
        let at = Timestamp.format(millis: wallClockMillis())
        try write { db in
            try db.execute(
                sql: """
                    UPDATE sync_verify SET last_at = ?, version = ?, buckets_checked = ?, buckets_mismatched = ?,
                      buckets_repaired = ?, runs_total = runs_total + 1, mismatched_total = mismatched_total + ?,
                      repaired_total = repaired_total + ?
                    """,
                arguments: [at, version, checked, mismatched, repaired, mismatched, repaired])
        }
    }

    package func verifyStatus() throws(StoreError) -> VerifyStatus {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sync_verify") else { return VerifyStatus() }
            return VerifyStatus(
                lastAt: (row["last_at"] as String?).flatMap(Timestamp.seconds).map { Date(timeIntervalSince1970: $0) },
                version: row["version"], bucketsChecked: row["buckets_checked"],
                bucketsMismatched: row["buckets_mismatched"], bucketsRepaired: row["buckets_repaired"],
                runsTotal: row["runs_total"], mismatchedTotal: row["mismatched_total"],
                repairedTotal: row["repaired_total"])
        }
    }

    // MARK: Reading orders

    static func heardHead(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT head_version FROM sync_state")
    }

    static func pendingOrderIDs(_ db: Database, pushedUpTo: Int64) throws -> Set<String> {
        Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT order_id FROM outbox WHERE sequence > ?"),
                arguments: [pushedUpTo]))
    }

    /// Every order id the replica holds anything of: shown (any typed table, so a child left
    /// behind by a deleted order counts) or confirmed.
    static let orderIDsSQL =
        (["SELECT id FROM orders"] + TypedTable.children.map { "SELECT order_id FROM \($0.name)" }
        + ConfirmedState.orderIDSelects)
        .joined(separator: " UNION ")

    static func forEachOrderID(_ db: Database, _ body: (String) throws -> Void) throws {
        let cursor = try String.fetchCursor(db, sql: orderIDsSQL)
        while let orderID = try cursor.next() { try body(orderID) }
    }

    /// The order as its confirmed state projects (what central's state of it projects to).
    static func confirmedVisibleOrder(_ db: Database, orderID: String) throws -> VisibleOrder? {
        VisibleOrder(
            orderID: orderID, rows: try ConfirmedState.rows(db, orderID: orderID),
            register: try ConfirmedState.register(db, orderID: orderID))
    }

    /// The order as its typed tables show it now (integration requests, which have no typed
    /// table, from its confirmed state); nil when no `orders` row shows it.
    static func typedVisibleOrder(
        _ db: Database, orderID: String, requestsFrom confirmed: VisibleOrder?
    ) throws -> VisibleOrder? {
        var tables: [String: [String: [String: FieldValue]]] = [:]
        for table in VisibleTable.all {
            let columns = VisibleOrder.columns(of: table)
            let key = table.entity == .order ? "id" : "order_id"
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT id, \(columns.joined(separator: ", ")) FROM \(table.name) WHERE \(key) = ?"),
                arguments: [orderID])
            while let row = try rows.next() {
                var values: [String: FieldValue] = [:]
                for (index, column) in columns.enumerated() { values[column] = fieldValue(row[index + 1]) }
                tables[table.name, default: [:]][row[0]] = values
            }
        }
        guard tables[VisibleTable.orders.name] != nil else { return nil }
        if let requests = confirmed?.tables[VisibleOrder.requestsTable] {
            tables[VisibleOrder.requestsTable] = requests
        }
        return VisibleOrder(orderID: orderID, tables: tables)
    }

    /// A stored value as the checksum encodes it (a blob, which no synced column holds, as text).
    private static func fieldValue(_ value: DatabaseValue) -> FieldValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .text("blob:" + data.map { String(format: "%02x", $0) }.joined())
        }
    }
}
