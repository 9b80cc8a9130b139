extension ReplicaMigrations {
    /// Snapshot bootstrap (SYNC-PROTOCOL.md §4.9): whether the replica must bootstrap before it
    /// pulls, and the checkpoint of a bootstrap under way, stored with each page merged so a
    /// dropped connection or a restart resumes after the last page instead of starting over.
    static let bootstrap = """
        -- 1: bootstrap before pulling (a new replica, or central compacted its log past the cursor).
        ALTER TABLE sync_state ADD COLUMN bootstrap_needed INTEGER NOT NULL DEFAULT 1
          CHECK (bootstrap_needed IN (0, 1));
        -- The snapshot under way: the version it is pinned at (NULL: none), the last order merged,
        -- orders merged and in the scope (for progress), and when it started.
        ALTER TABLE sync_state ADD COLUMN snapshot_version INTEGER;
        ALTER TABLE sync_state ADD COLUMN snapshot_after TEXT;
        ALTER TABLE sync_state ADD COLUMN snapshot_orders_done INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN snapshot_orders_total INTEGER;
        ALTER TABLE sync_state ADD COLUMN snapshot_started_at TEXT;
        -- A replica that never pulled bootstraps; one that did keeps pulling from its cursor.
        UPDATE sync_state SET bootstrap_needed = 0 WHERE pull_cursor > 0;
        """
}
