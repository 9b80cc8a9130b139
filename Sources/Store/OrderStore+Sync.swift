import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Where central is and how this node authenticates to it.
package struct SyncSettings: Sendable, Equatable {
    package var centralURL: String?
    package var token: String?

    package init(centralURL: String? = nil, token: String? = nil) {
        self.centralURL = centralURL
        self.token = token
    }
}

/// What applying a push reply or a pull page did.
package struct SyncApplyReport: Sendable, Equatable {
    /// Orders whose visible rows were re-projected (for the local SSE stream).
    package var touchedOrderIDs: Set<String> = []
    /// Changes merged into the confirmed replica (pull entries, or settled outcomes).
    package var applied = 0
    /// Conflict rows newly recorded (a repeated report records nothing).
    package var conflictsRecorded = 0

    package init(touchedOrderIDs: Set<String> = [], applied: Int = 0, conflictsRecorded: Int = 0) {
        self.touchedOrderIDs = touchedOrderIDs
        self.applied = applied
        self.conflictsRecorded = conflictsRecorded
    }
}

/// One sync attempt's result, as the daemon or `kct sync now` saw it.
package struct SyncAttempt: Sendable, Equatable {
    package var at: Date
    package var succeeded: Bool
    package var error: String?
    /// Central's head version, when the attempt learnt it.
    package var headVersion: Int64?
    /// Failed attempts in a row, this one included (0 after a success).
    package var consecutiveFailures: Int
    /// When the daemon will try again after this failure (nil: not scheduled, e.g. halted).
    package var nextRetryAt: Date?

    package init(
        at: Date, succeeded: Bool, error: String? = nil, headVersion: Int64? = nil, consecutiveFailures: Int = 0,
        nextRetryAt: Date? = nil
    ) {
        self.at = at
        self.succeeded = succeeded
        self.error = error
        self.headVersion = headVersion
        self.consecutiveFailures = consecutiveFailures
        self.nextRetryAt = nextRetryAt
    }
}

/// What `kct sync status` shows.
package struct SyncStatus: Sendable, Equatable {
    package var pending: Int
    package var cursor: Int64
    package var headVersion: Int64?
    package var lastSuccessAt: Date?
    package var lastAttemptAt: Date?
    package var lastError: String?
    package var openConflicts: Int
    package var centralURL: String?
    /// Failed sync attempts since the last success (the daemon's backoff grows with them).
    package var consecutiveFailures = 0
    /// When the daemon retries next, as it recorded after its last failure.
    package var nextRetryAt: Date?
    /// The snapshot bootstrap under way, if any (OrderStore+Bootstrap.swift).
    package var bootstrap: BootstrapProgress?

    /// How many log versions this node is behind central, when central's head is known.
    package var lag: Int64? { headVersion.map { max(0, $0 - cursor) } }
}

extension OrderStore {
    /// Runs `body` in one immediate write transaction, mapping errors.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    package func syncSettings() throws(StoreError) -> SyncSettings {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT central_url, token FROM sync_state")
            return SyncSettings(centralURL: row?["central_url"], token: row?["token"])
        }
    }

    package func setSyncSettings(_ settings: SyncSettings) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE sync_state SET central_url = ?, token = ?",
                arguments: [settings.centralURL, settings.token])
        }
    }

    /// The last central log version merged into the confirmed replica.
    package func pullCursor() throws(StoreError) -> Int64 {
        try read { db in try Self.syncCounters(db).cursor }
    }

    /// The outbox's last sequence: grows with every local edit, whichever process made it.
    package func lastOutboxSequence() throws(StoreError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT outbox_last_sequence FROM node_state") ?? 0 }
    }

    /// The next push: pending outbox changes in sequence order (at most `limit`), nil when
    /// nothing is pending.
    package func nextPush(limit: Int = ProtocolLimits.maximumChangesPerPush) throws(StoreError) -> PushRequest? {
        try read { db in
            let pushed = try Self.syncCounters(db).pushed
            let changes = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?"),
                arguments: [pushed, max(0, limit)]
            ).map { try Self.change($0, nodeID: identity.nodeID) }
            return changes.isEmpty ? nil : PushRequest(nodeID: identity.nodeID, changes: changes)
        }
    }

    /// Applies central's reply to a push, in one transaction: each settled change moves into the
    /// confirmed replica (with its log version and central's timestamp when re-stamped), lost
    /// fields and rejections become conflicts, the outbox entries stop being pending, and the
    /// touched orders are re-projected. A reply applied twice changes nothing the second time.
    package func applyPushResponse(_ response: PushResponse) throws(StoreError) -> SyncApplyReport {
        guard response.nodeID == identity.nodeID else {
            throw .syncRefused("the push reply is for node \(response.nodeID), this workstation is \(identity.nodeID)")
        }
        let nowText = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            var report = SyncApplyReport()
            var pushed = try Self.syncCounters(db).pushed
            var clock = try Self.loadClock(db)
            var batch = ConfirmedBatch()
            var rejectedOrders: Set<String> = []
            for outcome in response.outcomes.sorted(by: { $0.sequence < $1.sequence }) where outcome.sequence > pushed {
                guard outcome.sequence == pushed + 1 else {
                    throw StoreError.syncRefused(
                        "the push reply settles sequence \(outcome.sequence) but this node has settled only up to "
                            + "\(pushed)"
                    )
                }
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM outbox WHERE sequence = ?"),
                        arguments: [outcome.sequence])
                else {
                    throw StoreError.syncRefused(
                        "the push reply settles sequence \(outcome.sequence), which this node's outbox does not hold")
                }
                var change = try Self.change(row, nodeID: identity.nodeID)
                pushed = outcome.sequence
                report.touchedOrderIDs.insert(change.orderID)
                switch outcome.result {
                case .applied, .superseded:
                    if let hlc = outcome.hlc {
                        change.hlc = hlc
                        try db.cachedStatement(sql: "UPDATE outbox SET hlc = ? WHERE sequence = ?")
                            .execute(arguments: [hlc, change.sequence])
                        clock.advance(past: hlc)
                    }
                    _ = try batch.merge(db, change, version: outcome.version ?? 0)
                    report.applied += 1
                    for conflict in outcome.conflicts {
                        report.conflictsRecorded += try recordConflict(
                            db, NodeConflict(change: change, conflict: conflict), now: nowText)
                    }
                case .rejected:
                    if let reason = outcome.reason {
                        report.conflictsRecorded += try recordConflict(
                            db, NodeConflict(change: change, rejection: reason), now: nowText)
                    }
                    // Nothing confirmed changes, but the change leaves the view.
                    rejectedOrders.insert(change.orderID)
                }
            }
            try batch.flush(db)
            try db.execute(
                sql: "UPDATE sync_state SET pushed_up_to = ?, head_version = max(coalesce(head_version, 0), ?)",
                arguments: [pushed, response.headVersion])
            try Self.storeClock(db, clock)
            try reproject(db, batch, alsoOrders: rejectedOrders, nowText: nowText)
            report.conflictsRecorded += try recordLostClaims(db, orders: report.touchedOrderIDs, nowText: nowText)
            return report
        }
    }

    /// Merges a pull page into the confirmed replica under the pending edits and stores its
    /// `next_cursor`, in one transaction. Entries at or below the cursor are skipped, so a page
    /// applied twice changes nothing.
    ///
    /// The changes of an order the replica holds nothing of, confirmed or pending (a new order
    /// made elsewhere), are merged from nothing and written as a bootstrap writes such an order
    /// (`insertFresh`): no lookups, nothing to replace.
    package func applyPullPage(_ page: PullResponse) throws(StoreError) -> SyncApplyReport {
        try applyPullPage(page, freshOrdersInBulk: true)
    }

    /// `freshOrdersInBulk` false merges every order by lookups and re-projection: the reference
    /// the tests hold the fresh path to.
    func applyPullPage(_ page: PullResponse, freshOrdersInBulk: Bool) throws(StoreError) -> SyncApplyReport {
        let nowText = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            var report = SyncApplyReport()
            let cursor = try Self.syncCounters(db).cursor
            var clock = try Self.loadClock(db)
            let entries = page.entries.filter { $0.version > cursor }
            var batch = ConfirmedBatch()
            var probed: Set<String> = []
            if freshOrdersInBulk {
                // An order whose creation the page carries is most likely new here: probing it
                // (two statements) spares looking up each of its rows, which would find nothing.
                probed = Set(entries.lazy.map(\.change).filter(\.namesOrderCreation).map(\.orderID))
                batch.freshOrders = try Self.freshOrderIDs(db, among: probed)
            }
            let freshFirst = batch.freshOrders
            try batch.prefetch(db, entries.lazy.map(\.change).filter { !freshFirst.contains($0.orderID) })
            if freshOrdersInBulk {
                // An order with a prefetched row is not fresh: only the others are probed.
                let unseen = Set(entries.map(\.change.orderID)).subtracting(batch.prefetchedOrderIDs)
                    .subtracting(probed)
                batch.freshOrders.formUnion(try Self.freshOrderIDs(db, among: unseen))
            }
            for entry in entries {
                if entry.change.nodeID == identity.nodeID {
                    // Our own change, logged before its push reply arrived: keep the outbox copy's
                    // timestamp equal to the logged one (central may have re-stamped it), so the
                    // pending copy and the confirmed one are the same change to the merge rules.
                    try db.cachedStatement(sql: "UPDATE outbox SET hlc = ?1 WHERE sequence = ?2 AND hlc != ?1")
                        .execute(arguments: [entry.change.hlc, entry.change.sequence])
                }
                _ = try batch.merge(db, entry.change, version: entry.version)
                report.applied += 1
                report.touchedOrderIDs.insert(entry.change.orderID)
                for conflict in entry.displaced where conflict.loser.nodeID == identity.nodeID {
                    guard
                        let row = try Row.fetchOne(
                            db.cachedStatement(sql: "SELECT * FROM outbox WHERE sequence = ?"),
                            arguments: [conflict.loser.sequence])
                    else { continue }
                    let change = try Self.change(row, nodeID: identity.nodeID)
                    report.conflictsRecorded += try recordConflict(
                        db, NodeConflict(change: change, conflict: conflict), now: nowText)
                }
                // Later local edits must sort after everything seen.
                clock.advance(past: entry.change.hlc)
            }
            for order in batch.takeFreshOrders() { try Self.insertFresh(db, order, clock: &clock, nowText: nowText) }
            try batch.flush(db)
            try db.execute(
                sql:
                    """
                    UPDATE sync_state SET pull_cursor = max(pull_cursor, ?), head_version =
                    max(coalesce(head_version, 0), ?)
                    """,
                arguments: [page.nextCursor, page.headVersion])
            try Self.storeClock(db, clock)
            try reproject(db, batch, nowText: nowText)
            report.conflictsRecorded += try recordLostClaims(db, orders: report.touchedOrderIDs, nowText: nowText)
            return report
        }
    }

    /// Records the result of a sync attempt for `kct sync status`.
    package func recordSyncAttempt(_ attempt: SyncAttempt) throws(StoreError) {
        func text(_ date: Date) -> String {
            Timestamp.format(millis: UInt64(max(0, date.timeIntervalSince1970 * 1000)))
        }
        let at = text(attempt.at)
        try write { db in
            if attempt.succeeded {
                try db.execute(
                    sql: """
                        UPDATE sync_state SET last_attempt_at = ?, last_success_at = ?, last_error = NULL,
                          consecutive_failures = 0, next_retry_at = NULL
                        """,
                    arguments: [at, at])
            } else {
                try db.execute(
                    sql: """
                        UPDATE sync_state SET last_attempt_at = ?, last_error = ?, consecutive_failures = ?,
                          next_retry_at = ?
                        """,
                    arguments: [
                        at, attempt.error ?? "sync failed", attempt.consecutiveFailures, attempt.nextRetryAt.map(text),
                    ])
            }
            if let head = attempt.headVersion {
                try db.execute(sql: "UPDATE sync_state SET head_version = ?", arguments: [head])
            }
        }
    }

    package func syncStatus() throws(StoreError) -> SyncStatus {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sync_state") else {
                throw StoreError.corruptValue(table: "sync_state", column: "singleton", value: "missing")
            }
            let pushed: Int64 = row["pushed_up_to"]
            let pending =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE sequence > ?", arguments: [pushed]) ?? 0
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts WHERE state = 'open'") ?? 0
            func date(_ column: String) -> Date? {
                (row[column] as String?).flatMap(Timestamp.seconds).map { Date(timeIntervalSince1970: $0) }
            }
            return SyncStatus(
                pending: pending, cursor: row["pull_cursor"], headVersion: row["head_version"],
                lastSuccessAt: date("last_success_at"), lastAttemptAt: date("last_attempt_at"),
                lastError: row["last_error"],
                openConflicts: open, centralURL: row["central_url"], consecutiveFailures: row["consecutive_failures"],
                nextRetryAt: date("next_retry_at"), bootstrap: try Self.bootstrapProgress(db))
        }
    }

    // MARK: Shared state

    static func syncCounters(_ db: Database) throws -> (cursor: Int64, pushed: Int64) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT pull_cursor, pushed_up_to FROM sync_state"))
        else {
            throw StoreError.corruptValue(table: "sync_state", column: "singleton", value: "missing")
        }
        return (row["pull_cursor"], row["pushed_up_to"])
    }

    /// The orders with changes not pushed yet.
    static func pendingOrderIDs(_ db: Database) throws -> Set<String> {
        let pushed = try syncCounters(db).pushed
        let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT outbox_last_sequence FROM node_state")) ?? 0
        guard last > pushed else { return [] }
        return Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT order_id FROM outbox WHERE sequence > ?"),
                arguments: [pushed]))
    }

    static func loadClock(_ db: Database) throws -> HybridLogicalClock {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT hlc_last FROM node_state"))
        return HybridLogicalClock(last: try row?.value("hlc_last", table: "node_state") ?? .zero)
    }

    static func storeClock(_ db: Database, _ clock: HybridLogicalClock) throws {
        try db.cachedStatement(sql: "UPDATE node_state SET hlc_last = max(hlc_last, ?)").execute(arguments: [
            clock.last
        ])
    }
}
