extension ReplicaMigrations {
    /// The last checksum verification against central (`kct sync verify`, or the daemon after it
    /// caught up) and totals since the replica was made, so `kct sync status`, `GET /api/sync`
    /// and the daemon's `/metrics` show repairs made by any process. Its own table: verification
    /// is not part of a sync cycle's state.
    static let syncVerify = """
        -- One row. last_at NULL: never verified.
        CREATE TABLE sync_verify (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          last_at TEXT,
          version INTEGER,
          buckets_checked INTEGER NOT NULL DEFAULT 0,
          buckets_mismatched INTEGER NOT NULL DEFAULT 0,
          buckets_repaired INTEGER NOT NULL DEFAULT 0,
          runs_total INTEGER NOT NULL DEFAULT 0,
          mismatched_total INTEGER NOT NULL DEFAULT 0,
          repaired_total INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO sync_verify (singleton) VALUES (1);
        """
}
