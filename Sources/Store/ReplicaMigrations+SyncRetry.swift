extension ReplicaMigrations {
    /// The sync daemon's retry state, so `kct sync status` (another process) shows the backoff:
    /// failed cycles since the last success and when the next attempt is due (NULL when none is
    /// scheduled: idle, syncing, or halted).
    static let syncRetry = """
        ALTER TABLE sync_state ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN next_retry_at TEXT;
        """
}
