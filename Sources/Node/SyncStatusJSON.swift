import Foundation
import JSONViews
import OrderDomain
import Store

/// What the running daemon knows beyond the replica: its sync phase and whether the stream to
/// central is open.
package struct LiveSyncState: Sendable, Equatable {
    package var phase: SyncEngine.Phase
    package var streamOpen: Bool
    package var lastError: String?

    package init(phase: SyncEngine.Phase, streamOpen: Bool, lastError: String?) {
        self.phase = phase
        self.streamOpen = streamOpen
        self.lastError = lastError
    }
}

/// `kct sync status --json` and `GET /api/sync`: {online, pending, last_sync_at, last_error,
/// cursor, head_version, lag, open_conflicts, central_url, consecutive_failures, next_retry_at,
/// verify} (+ `phase`, `stream_open` from a running daemon; + `bootstrap` while a snapshot
/// bootstrap runs). Online means the last attempt to reach central succeeded (or, from the daemon,
/// that its stream to central is open).
package struct SyncStatusJSON: Encodable, Sendable {
    package var online: Bool
    package var pending: Int
    @Nullable package var lastSyncAt: String?
    @Nullable package var lastAttemptAt: String?
    @Nullable package var lastError: String?
    package var cursor: Int64
    @Nullable package var headVersion: Int64?
    @Nullable package var lag: Int64?
    package var openConflicts: Int
    @Nullable package var centralURL: String?
    /// Left out (not null) without a running daemon.
    package var phase: String?
    package var streamOpen: Bool?
    /// Failed attempts since the last success, and when the daemon retries next (its backoff).
    package var consecutiveFailures: Int
    @Nullable package var nextRetryAt: String?
    /// A snapshot bootstrap under way; left out when none is.
    package var bootstrap: BootstrapJSON?
    /// The last checksum verification against central and the totals (SyncEngine+Verify.swift).
    package var verify: VerifyJSON?

    package init(_ status: SyncStatus, verify: VerifyStatus? = nil, live: LiveSyncState? = nil) {
        let lastAttemptSucceeded = status.lastAttemptAt != nil && status.lastSuccessAt == status.lastAttemptAt
        online = live.map { $0.streamOpen || ($0.phase == .idle && lastAttemptSucceeded) } ?? lastAttemptSucceeded
        pending = status.pending
        lastSyncAt = status.lastSuccessAt.map(Self.timestamp)
        lastAttemptAt = status.lastAttemptAt.map(Self.timestamp)
        lastError = lastAttemptSucceeded ? nil : status.lastError
        cursor = status.cursor
        headVersion = status.headVersion
        lag = status.lag
        openConflicts = status.openConflicts
        centralURL = status.centralURL
        consecutiveFailures = lastAttemptSucceeded ? 0 : status.consecutiveFailures
        nextRetryAt = lastAttemptSucceeded ? nil : status.nextRetryAt.map(Self.timestamp)
        bootstrap = status.bootstrap.map(BootstrapJSON.init)
        self.verify = verify.map(VerifyJSON.init)
        phase = live.map { "\($0.phase)" }
        streamOpen = live?.streamOpen
    }

    enum CodingKeys: String, CodingKey {
        case online, pending, lastSyncAt = "last_sync_at", lastAttemptAt = "last_attempt_at", lastError = "last_error"
        case cursor, headVersion = "head_version", lag, openConflicts = "open_conflicts", centralURL = "central_url"
        case phase, streamOpen = "stream_open"
        case consecutiveFailures = "consecutive_failures", nextRetryAt = "next_retry_at", verify
        case bootstrap
    }

    /// As the replica stores timestamps.
    static func timestamp(_ date: Date) -> String {
        Timestamp.format(millis: UInt64(max(0, date.timeIntervalSince1970 * 1000)))
    }
}

/// `bootstrap` in `SyncStatusJSON`: {version, orders_done, orders_total, started_at}.
package struct BootstrapJSON: Encodable, Sendable {
    package var version: Int64
    package var ordersDone: Int64
    @Nullable package var ordersTotal: Int64?
    @Nullable package var startedAt: String?

    init(_ progress: BootstrapProgress) {
        version = progress.version
        ordersDone = progress.ordersDone
        ordersTotal = progress.ordersTotal
        startedAt = progress.startedAt.map(SyncStatusJSON.timestamp)
    }

    enum CodingKeys: String, CodingKey {
        case version, ordersDone = "orders_done", ordersTotal = "orders_total", startedAt = "started_at"
    }
}

/// The `verify` member of `GET /api/sync` / `kct sync status --json`: the last checksum
/// verification (null members: never verified) and the totals since the replica was made.
package struct VerifyJSON: Encodable, Sendable {
    @Nullable package var lastVerifiedAt: String?
    @Nullable package var version: Int64?
    package var bucketsChecked: Int
    package var bucketsMismatched: Int
    package var bucketsRepaired: Int
    package var runsTotal: Int
    package var mismatchedTotal: Int
    package var repairedTotal: Int

    init(_ status: VerifyStatus) {
        lastVerifiedAt = status.lastAt.map(SyncStatusJSON.timestamp)
        version = status.version
        bucketsChecked = status.bucketsChecked
        bucketsMismatched = status.bucketsMismatched
        bucketsRepaired = status.bucketsRepaired
        runsTotal = status.runsTotal
        mismatchedTotal = status.mismatchedTotal
        repairedTotal = status.repairedTotal
    }

    enum CodingKeys: String, CodingKey {
        case lastVerifiedAt = "last_verified_at", version, bucketsChecked = "buckets_checked"
        case bucketsMismatched = "buckets_mismatched", bucketsRepaired = "buckets_repaired", runsTotal = "runs_total"
        case mismatchedTotal = "mismatched_total", repairedTotal = "repaired_total"
    }
}
