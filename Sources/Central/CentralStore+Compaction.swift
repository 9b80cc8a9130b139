import Foundation
import OrderDomain
import StorageSupport
import SyncCore

/// How much of the log `compact` keeps: entries within either window stay.
package struct CompactionPolicy: Sendable, Equatable {
    /// Keep entries whose change is stamped less than this many days ago (and every later entry).
    package var keepDays: Int?
    /// Keep the last this many versions.
    package var keepVersions: Int64?

    package init(keepDays: Int? = nil, keepVersions: Int64? = nil) {
        self.keepDays = keepDays
        self.keepVersions = keepVersions
    }
}

/// What one compaction did.
package struct CompactionReport: Sendable, Equatable {
    /// The log holds versions above this one now.
    package var compactedThrough: Int64
    /// Log entries removed by this run.
    package var removedEntries: Int64
    package var headVersion: Int64
}

extension CentralStore {
    /// Log entries removed per transaction, so a large compaction never holds the writer long.
    static let compactionBatch: Int64 = 20_000

    /// Folds away the log entries at or below the horizon the policy allows (SYNC-PROTOCOL.md
    /// §4.10). Nothing else needs them: merging and conflict detection read the merged rows and
    /// status moves (each field keeps the version of its writer, which is what `base_version` is
    /// compared with), idempotency reads `outcomes`, the audit trail is a table of its own and is
    /// never compacted, and a node behind the horizon bootstraps from a snapshot instead. Order
    /// numbers of compacted creations are kept for the audit's lookup by number. Runs in batches;
    /// safe beside a running `serve` (it writes only the log, `log_shops` and the horizon).
    package func compact(_ policy: CompactionPolicy) throws(CentralError) -> CompactionReport {
        let now = wallClockMillis()
        do {
            let (target, start, head) = try database.read { conn -> (Int64, Int64, Int64) in
                let (head, current) = try Self.headAndHorizon(conn)
                var horizon = head
                if let keep = policy.keepVersions { horizon = min(horizon, max(0, head - keep)) }
                if let days = policy.keepDays {
                    // The first entry stamped within the window, and everything after it, stay.
                    let cutoff = UInt64(max(0, Int64(now) - Int64(days) * 86_400_000))
                    var firstRecent: Int64?
                    let unpacker = try LogChangeUnpacker()
                    try conn.forEachRow(
                        "SELECT version, change FROM log WHERE version > ? ORDER BY version", [.integer(current)]
                    ) { row in
                        let change = try unpacker.change(try row.read(at: 1, table: "log", as: Data.self))
                        guard change.hlc.millis >= cutoff else { return true }
                        firstRecent = try row.read(at: 0, table: "log", as: Int64.self)
                        return false
                    }
                    horizon = min(horizon, (firstRecent ?? head + 1) - 1)
                }
                return (horizon, current, head)
            }
            var through = start
            var removed: Int64 = 0
            while through < target {
                let upTo = min(target, through + Self.compactionBatch)
                removed += try database.write { conn -> Int64 in
                    var numbers: [[SQLValue]] = []
                    let unpacker = try LogChangeUnpacker()
                    try conn.forEachRow(
                        "SELECT change FROM log WHERE version > ? AND version <= ?",
                        [.integer(through), .integer(upTo)]
                    ) { row in
                        let change = try unpacker.change(try row.read(at: 0, table: "log", as: Data.self))
                        if change.entity == .order, case .text(let number)? = change.fields["order_number"] {
                            numbers.append([.text(number), .text(change.rowID)])
                        }
                        return true
                    }
                    // Lower-cased by each backend's own `lower` (PostgreSQL's schema checks it).
                    try conn.executeMany(
                        """
                        INSERT INTO compacted_order_numbers (order_number, order_id) VALUES (lower(?), ?)
                        ON CONFLICT DO NOTHING
                        """, numbers)
                    try conn.executeMany(
                        "DELETE FROM log_shops WHERE shop = ? AND version > ? AND version <= ?",
                        try conn.fetchValues("SELECT DISTINCT shop FROM order_shops", as: String.self).map { shop in
                            [.text(shop), .integer(through), .integer(upTo)]
                        })
                    let count = try conn.execute("DELETE FROM log WHERE version > ? AND version <= ?", through, upTo)
                    // Never lowers the horizon.
                    try conn.execute(
                        "UPDATE central_state SET compacted_through = ? WHERE compacted_through < ?", upTo, upTo)
                    return Int64(count)
                }
                through = upTo
            }
            return CompactionReport(compactedThrough: max(start, target), removedEntries: removed, headVersion: head)
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// A pull from below the horizon cannot be answered from the log: the node must bootstrap.
    static func checkNotCompacted(_ conn: any SQLConnection, after: Int64) throws {
        let horizon: Int64 = try conn.fetchValue("SELECT compacted_through FROM central_state") ?? 0
        guard after >= horizon else {
            throw ErrorResponse(
                code: .cursorCompacted,
                message: "central's log starts after version \(horizon), beyond this node's cursor \(after); "
                    + "bootstrap from a snapshot (GET /v1/snapshot), keeping the outbox")
        }
    }
}
