import Foundation
import Store

/// What the running daemon knows beyond the replica: its sync phase and whether the stream to
/// central is open.
public struct LiveSyncState: Sendable, Equatable {
    public var phase: SyncEngine.Phase
    public var streamOpen: Bool
    public var lastError: String?

    public init(phase: SyncEngine.Phase, streamOpen: Bool, lastError: String?) {
        self.phase = phase
        self.streamOpen = streamOpen
        self.lastError = lastError
    }
}

/// `kct sync status --json` and `GET /api/sync`: {online, pending, last_sync_at, last_error,
/// cursor, head_version, lag, open_conflicts, central_url} (+ `phase`, `stream_open` from a
/// running daemon). Online means the last attempt to reach central succeeded (or, from the
/// daemon, that its stream to central is open).
public struct SyncStatusJSON: Encodable, Sendable {
    public var online: Bool
    public var pending: Int
    public var lastSyncAt: String?
    public var lastAttemptAt: String?
    public var lastError: String?
    public var cursor: Int64
    public var headVersion: Int64?
    public var lag: Int64?
    public var openConflicts: Int
    public var centralURL: String?
    public var phase: String?
    public var streamOpen: Bool?

    public init(_ status: SyncStatus, live: LiveSyncState? = nil) {
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
        phase = live.map { "\($0.phase)" }
        streamOpen = live?.streamOpen
    }

    enum CodingKeys: String, CodingKey {
        case online, pending, lastSyncAt = "last_sync_at", lastAttemptAt = "last_attempt_at", lastError = "last_error"
        case cursor, headVersion = "head_version", lag, openConflicts = "open_conflicts", centralURL = "central_url"
        case phase, streamOpen = "stream_open"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(online, forKey: .online)
        try container.encode(pending, forKey: .pending)
        try container.encode(lastSyncAt, forKey: .lastSyncAt)
        try container.encode(lastAttemptAt, forKey: .lastAttemptAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(cursor, forKey: .cursor)
        try container.encode(headVersion, forKey: .headVersion)
        try container.encode(lag, forKey: .lag)
        try container.encode(openConflicts, forKey: .openConflicts)
        try container.encode(centralURL, forKey: .centralURL)
        try container.encodeIfPresent(phase, forKey: .phase)
        try container.encodeIfPresent(streamOpen, forKey: .streamOpen)
    }

    /// UTC ISO 8601 with milliseconds, as the replica stores timestamps.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
