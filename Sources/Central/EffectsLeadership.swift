import Foundation
import Postgres

/// Which `kct central serve` process runs the effects ledger when several share one PostgreSQL
/// database: the one holding a session-level advisory lock. The ledger's rule "an effect found in
/// flight had its answer lost" (EffectRunner, INTEGRATIONS.md) needs one runner: two would each
/// take the other's in-flight calls for lost ones. The lock lives as long as the session, so
/// when the leader dies (even by kill -9) the server ends its session and frees the lock, and the
/// next process to look takes over, reconciling what was in flight.
///
/// Used only from the runner's scans, which never overlap (EffectRunner's `scanning`), so the
/// connection is touched by one thread at a time.
final class EffectsLeadership: @unchecked Sendable {
    // @unchecked Sendable: see above; `holds()` is never called concurrently.

    /// "kct-effects" as an advisory lock key.
    static let lockKey: Int64 = 0x6b63_745f_6566_66

    private let url: String
    private var connection: PostgresConnection?
    private var isLeader = false

    init(url: String) { self.url = url }

    /// Whether this process runs effects now: it holds the lock, or just took it.
    func holds() -> Bool {
        if isLeader, let connection, connection.isUsable { return true }
        isLeader = false
        do {
            if connection?.isUsable != true { connection = try PostgresConnection(url: url) }
            guard let connection else { return false }
            isLeader =
                try connection.fetchValue("SELECT pg_try_advisory_lock(?)", [.integer(Self.lockKey)], as: Bool.self)
                ?? false
        } catch {
            connection = nil
        }
        return isLeader
    }
}
