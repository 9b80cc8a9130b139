import GRDB
import StorageSupport

/// Central's migrations, by stable ids that never change once released (a database remembers
/// which it has applied in GRDB's `grdb_migrations` and gets only the missing ones). The tables
/// follow protocol/IMPLEMENTING.md; JSON columns hold SyncCore's canonical wire encoding.
enum CentralSchema {
    static let identifiers = [
        "2026-11-25-central", "2026-11-26-staff-accounts-audit", "2026-12-07-binary-rows", "2026-12-07-node-scopes",
        "2026-12-07-effects-ledger", "2026-12-07-log-compaction", "2026-12-08-compact-rows", "2026-12-09-packed-log",
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(identifiers[0]) { db in try db.execute(sql: centralTables) }
        migrator.registerMigration(identifiers[1]) { db in try db.execute(sql: accountAndAuditTables) }
        migrator.registerMigration(identifiers[2]) { db in try convertRowsToBinary(db) }
        migrator.registerMigration(identifiers[3]) { db in try db.execute(sql: nodeScopes) }
        migrator.registerMigration(identifiers[4]) { db in try db.execute(sql: effectsTables) }
        migrator.registerMigration(identifiers[5]) { db in try db.execute(sql: logCompaction) }
        migrator.registerMigration(identifiers[6]) { db in
            try RowStateCodec.rewriteLegacyRows(db, table: "rows")
            try digestReceivedChanges(db)
            // Written on every push, read by nothing but tests: computed on read now.
            try db.execute(sql: "DROP TABLE IF EXISTS derived_fields")
        }
        migrator.registerMigration(identifiers[7]) { db in try packLog(SQLiteConnection(db)) }
        return migrator
    }

    static let centralTables = """
        -- Marks the file as a central store. One row, written by `kct central init`.
        CREATE TABLE central_identity (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          created_at TEXT NOT NULL
        );
        -- Central's clock (it re-stamps clamped changes), its own change sequence and the log
        -- head, written in the same transaction as every push. One row.
        CREATE TABLE central_state (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          hlc_last INTEGER NOT NULL,
          central_sequence INTEGER NOT NULL,
          head_version INTEGER NOT NULL
        );
        -- Registered workstations. The token is stored only as its SHA-256; node_id is bound by
        -- the node's first push and never changes after (see SYNC-PROTOCOL.md §2).
        CREATE TABLE nodes (
          name TEXT PRIMARY KEY,
          shop TEXT NOT NULL,
          token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
          node_id TEXT UNIQUE,
          created_at TEXT NOT NULL,
          bound_at TEXT,
          revoked_at TEXT,
          last_settled_sequence INTEGER NOT NULL DEFAULT 0
        );
        -- Every settled change: as received, and its outcome (ChangeOutcome wire JSON).
        CREATE TABLE outcomes (
          node_id TEXT NOT NULL,
          sequence INTEGER NOT NULL,
          change TEXT NOT NULL,
          outcome TEXT NOT NULL,
          PRIMARY KEY (node_id, sequence)
        ) WITHOUT ROWID;
        -- The log: accepted changes (as accepted) by version 1, 2, 3, … without holes.
        CREATE TABLE log (
          version INTEGER PRIMARY KEY,
          change TEXT NOT NULL,
          displaced TEXT NOT NULL
        );
        -- The replica: every row's stamped fields, its append stamp and tombstone, in
        -- RowStateCodec's binary layout (JSON text before the 2026-12-07 migration).
        CREATE TABLE rows (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          order_id TEXT NOT NULL,
          fields TEXT NOT NULL,
          appended TEXT,
          tombstone TEXT,
          PRIMARY KEY (entity, row_id)
        ) WITHOUT ROWID;
        CREATE INDEX rows_by_order ON rows (order_id);
        -- Every accepted status move; an order's register is rebuilt from its moves.
        \(StatusMoveRows.createTableSQL("status_moves", primaryKey: "node_id, sequence"))
        CREATE INDEX status_moves_by_order ON status_moves (order_id);
        -- Derived fields (item total_price, order subtotal/total) recomputed with OrderDomain's
        -- totals for every order a push touched.
        CREATE TABLE derived_fields (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          order_id TEXT NOT NULL,
          fields TEXT NOT NULL,
          PRIMARY KEY (entity, row_id)
        ) WITHOUT ROWID;
        CREATE INDEX derived_fields_by_order ON derived_fields (order_id);
        """
}

extension CentralSchema {
    /// Staff accounts, which shop each order belongs to, and the append-only audit trail
    /// (issue 5, PERMISSIONS.md).
    static let accountAndAuditTables = """
        -- Staff accounts: e-mail (lower-cased) is the identity and the author of changes. The
        -- password only as a scrypt hash. `version` is central's account version when the
        -- account last changed: every change sets it to the highest version + 1.
        CREATE TABLE accounts (
          email TEXT PRIMARY KEY CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 255),
          name TEXT NOT NULL CHECK (length(name) > 0),
          role TEXT NOT NULL CHECK (role IN ('viewer', 'processor', 'manager', 'admin')),
          password_hash TEXT NOT NULL,
          disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
          version INTEGER NOT NULL UNIQUE CHECK (version > 0),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        -- The shop an order belongs to: the pushing node's shop when its first change merged.
        CREATE TABLE order_shops (
          order_id TEXT PRIMARY KEY,
          shop TEXT NOT NULL,
          node_name TEXT NOT NULL
        ) WITHOUT ROWID;
        -- Orders already there belong to the shop of the node whose change created them.
        INSERT OR IGNORE INTO order_shops (order_id, shop, node_name)
          SELECT json_extract(log.change, '$.order_id'), nodes.shop, nodes.name
          FROM log JOIN nodes ON nodes.node_id = json_extract(log.change, '$.node_id')
          ORDER BY log.version;
        -- The audit trail, oldest first by id. Append-only: the triggers below refuse any
        -- UPDATE or DELETE. `kind` is change, sign_in, sign_in_failed, sign_out,
        -- account_created, role_changed, account_disabled, account_enabled, password_set,
        -- node_added, token_bound, node_revoked. `event_id` makes uploads idempotent.
        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          received_at TEXT NOT NULL,
          kind TEXT NOT NULL,
          person TEXT,
          node_name TEXT,
          order_id TEXT,
          entity TEXT,
          operation TEXT,
          hlc TEXT,
          sequence INTEGER,
          outcome TEXT,
          code TEXT,
          detail TEXT NOT NULL DEFAULT '',
          event_id TEXT UNIQUE,
          happened_at TEXT
        );
        CREATE INDEX audit_by_order ON audit (order_id) WHERE order_id IS NOT NULL;
        CREATE INDEX audit_by_person ON audit (person) WHERE person IS NOT NULL;
        CREATE INDEX audit_by_node ON audit (node_name) WHERE node_name IS NOT NULL;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
          BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
          BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """
}

extension CentralSchema {
    /// The effects ledger (issue 12): every provider call central makes, recorded in the same
    /// transaction as the accepted change or verified webhook that causes it.
    static let effectsTables = """
        -- One row per provider call. `id` (eff_ + 32 hex of SHA-256 over cause and kind) is also
        -- Stripe's Idempotency-Key, so a retry after a crash is the same call. UNIQUE (cause, kind)
        -- makes recording idempotent: a cause records each kind of effect once, ever.
        -- `parameters` is the exact input of the call, fixed when recorded (a changed amount is
        -- a new effect). `in_flight` is set, durably, before the provider is called and cleared
        -- when its answer is recorded: found set at start-up, the answer was lost. `key_generation`
        -- moves Stripe to a new key only after reconciliation proved the old one made nothing.
        CREATE TABLE effects (
          id TEXT PRIMARY KEY,
          cause TEXT NOT NULL,
          kind TEXT NOT NULL,
          order_id TEXT NOT NULL,
          request_id TEXT,
          parameters TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'unknown', 'cancelled')),
          in_flight INTEGER NOT NULL DEFAULT 0 CHECK (in_flight IN (0, 1)),
          attempts INTEGER NOT NULL DEFAULT 0,
          key_generation INTEGER NOT NULL DEFAULT 0,
          first_attempt_at INTEGER,
          next_attempt_at INTEGER NOT NULL,
          provider_ref TEXT,
          result TEXT,
          message TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (cause, kind)
        );
        CREATE INDEX effects_due ON effects (next_attempt_at) WHERE state = 'pending';
        CREATE INDEX effects_by_order ON effects (order_id);
        CREATE INDEX effects_by_provider_ref ON effects (provider_ref) WHERE provider_ref IS NOT NULL;
        -- Verified webhook events already acted on, so a redelivery does nothing.
        CREATE TABLE webhook_events (
          provider TEXT NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          received_at TEXT NOT NULL,
          PRIMARY KEY (provider, event_id)
        ) WITHOUT ROWID;
        """
}
