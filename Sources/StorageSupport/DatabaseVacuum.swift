import GRDB

/// What a VACUUM of a replica or of central's store did.
package struct VacuumReport: Hashable, Sendable {
    /// The database's size (pages × page size) before and after.
    package var bytesBefore: Int64
    package var bytesAfter: Int64
    /// Whether the WAL was checkpointed and truncated afterwards, so the file on disk has its new
    /// size; when a reader held an older snapshot, the next checkpoint does it instead.
    package var fileShrunk: Bool

    package init(bytesBefore: Int64, bytesAfter: Int64, fileShrunk: Bool) {
        self.bytesBefore = bytesBefore
        self.bytesAfter = bytesAfter
        self.fileShrunk = fileShrunk
    }
}

/// `VACUUM` run while the replica's node daemon or central's server may be serving the same file.
///
/// Why this is safe while serving: the databases are in WAL mode, where VACUUM is an ordinary
/// write transaction. Readers of other connections and processes keep reading their snapshot and
/// see the compacted file after it commits; writers (edits, merges, pushes) wait for it like for
/// any other write, through their busy timeout. If VACUUM cannot take the write lock within this
/// connection's own busy timeout, it fails and nothing changed; if it is interrupted (killed,
/// power lost), the transaction rolls back as any other does. Nothing is copied aside and swapped
/// in (`VACUUM INTO` + rename would lose every write made meanwhile, and a serving process would
/// keep the old file open). The cost: while it runs (seconds per hundred thousand orders) edits
/// wait, and an edit that waits longer than its busy timeout (30 s) fails and saves nothing; it
/// needs free disk space for a second copy (the WAL holds the new file until it is checkpointed).
package enum DatabaseVacuum {
    package static func run(_ writer: some DatabaseWriter) throws -> VacuumReport {
        try writer.writeWithoutTransaction { db in
            let before = try size(db)
            try db.execute(sql: "VACUUM")
            let after = try size(db)
            // (busy, WAL frames, frames checkpointed): busy when a reader of an older snapshot
            // kept the checkpoint from finishing.
            let checkpoint = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let busy: Int = checkpoint?[0] ?? 1
            return VacuumReport(bytesBefore: before, bytesAfter: after, fileShrunk: busy == 0)
        }
    }

    static func size(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        return pages * pageSize
    }
}
