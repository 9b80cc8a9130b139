import StorageSupport

extension ReplicaMigrations {
    /// The sync side of the replica (protocol/IMPLEMENTING.md, "Node"):
    /// - the confirmed replica, written only from pulls and push replies: rows with every field's
    ///   stamp (hlc, node, sequence, log version), tombstones and status moves, as SyncCore's
    ///   `RowState` / `StatusMove` hold them. The typed tables are its projection with the
    ///   pending outbox merged over it;
    /// - `base_version` on outbox entries (the pull cursor at edit time);
    /// - settings and the last attempt for `kct sync status`;
    /// - the conflicts table: every own edit that lost or was rejected.
    static let syncTables = """
        ALTER TABLE outbox ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX outbox_by_order ON outbox (order_id, sequence);
        ALTER TABLE sync_state ADD COLUMN central_url TEXT;
        ALTER TABLE sync_state ADD COLUMN token TEXT;
        ALTER TABLE sync_state ADD COLUMN head_version INTEGER;
        ALTER TABLE sync_state ADD COLUMN last_attempt_at TEXT;
        ALTER TABLE sync_state ADD COLUMN last_success_at TEXT;
        ALTER TABLE sync_state ADD COLUMN last_error TEXT;
        -- One confirmed row: `fields` maps each stored field to its value and the change that
        -- wrote it; `appended` / `tombstone` are the stamps of the creating append and the delete.
        -- Encoded by RowStateCodec (StorageSupport), as central's rows.
        CREATE TABLE confirmed_rows (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          order_id TEXT NOT NULL,
          fields BLOB NOT NULL,
          appended BLOB,
          tombstone BLOB,
          PRIMARY KEY (entity, row_id)
        ) WITHOUT ROWID;
        CREATE INDEX confirmed_rows_by_order ON confirmed_rows (order_id);
        -- Confirmed set_status changes; StatusRegister(moves:) replays them to the status.
        \(StatusMoveRows.createTableSQL("confirmed_status_moves", primaryKey: "order_id, node_id, sequence"))
        -- This node's edits that lost a conflict rule or were rejected, once per (sequence, field);
        -- field '' stands for the whole change.
        CREATE TABLE conflicts (
          id INTEGER PRIMARY KEY,
          sequence INTEGER NOT NULL,
          field TEXT NOT NULL,
          order_id TEXT NOT NULL,
          order_number TEXT,
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          op TEXT NOT NULL,
          wanted TEXT NOT NULL CHECK (json_valid(wanted)),
          winner TEXT CHECK (winner IS NULL OR json_valid(winner)),
          kind TEXT NOT NULL CHECK (kind IN ('superseded', 'rejected')),
          code TEXT NOT NULL,
          message TEXT NOT NULL,
          author TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          workstation TEXT NOT NULL,
          recorded_at TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dismissed', 'reapplied')),
          settled_at TEXT,
          settled_by TEXT,
          reapplied_sequence INTEGER,
          UNIQUE (sequence, field)
        );
        CREATE INDEX conflicts_open ON conflicts (state, id);
        """
}
