import SQLAccess

/// Central's migrations for PostgreSQL (issue 14): a set of their own, by stable ids that never
/// change once released. The first one creates what the SQLite migrations of `CentralSchema` end
/// with (after `2026-12-08-compact-rows`), table for table: the same columns in the same order,
/// the same CHECK constraints, keys, unique constraints and indexes, so that one SQL text of
/// central's works on both backends. Types: SQLite INTEGER is `bigint` (flags stay 0/1 integers
/// with their CHECKs, not `boolean`), TEXT is `text`, and the binary columns (`rows`' merge state,
/// `change_digest`, `token_hash`) are `bytea`. JSON columns stay `text`: they hold SyncCore's
/// canonical wire text byte for byte (a `jsonb` column would not), and are read with `::jsonb`.
/// schema/central-postgres.sql is the schema as PostgreSQL reports it after these migrations.
enum CentralPostgresSchema {
    static let identifiers = ["2026-12-08-postgres-central", "2026-12-08-shared-rate-limits", "2026-12-09-packed-log"]

    /// Each migration's SQL, or its steps in Swift (as SQLite's of the same name).
    static let migrations: [(id: String, step: Step)] = [
        (identifiers[0], .sql(centralTables)), (identifiers[1], .sql(sharedRateLimits)),
        (identifiers[2], .swift(CentralSchema.packLog)),
    ]

    enum Step: Sendable {
        case sql(String)
        case swift(@Sendable (any SQLConnection) throws -> Void)
    }

    /// Several serve processes share each node token's request budget (`CentralStore+RateLimits`):
    /// one bucket per registered token, refilled on each request by PostgreSQL's own clock.
    static let sharedRateLimits = """
        CREATE TABLE rate_buckets (
          token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
          tokens double precision NOT NULL,
          updated_ms bigint NOT NULL,
          admitted bigint NOT NULL CHECK (admitted IN (0, 1))
        );
        """

    /// The trigger that filed log entries under their shops until `2026-12-09-packed-log` (it read
    /// the change's JSON text); part of the first migration, and what tests of that one restore.
    static let logShopsTrigger = """
        CREATE FUNCTION log_shops_on_append() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO log_shops (shop, version)
            SELECT shop, NEW.version FROM order_shops
            WHERE order_id = NEW.change::jsonb ->> 'order_id';
          RETURN NULL;
        END;
        $$;
        CREATE TRIGGER log_shops_on_append AFTER INSERT ON log
          FOR EACH ROW EXECUTE FUNCTION log_shops_on_append();
        """

    static let centralTables = """
        -- Marks the database as a central store. One row, written by `kct central init`.
        CREATE TABLE central_identity (
          singleton bigint PRIMARY KEY CHECK (singleton = 1),
          created_at text NOT NULL
        );
        -- Central's clock (it re-stamps clamped changes), its own change sequence and the log
        -- head, written in the same transaction as every push. One row. The log holds versions
        -- above `compacted_through` only; a pull from below it gets 410 cursor_compacted
        -- (0: nothing compacted).
        CREATE TABLE central_state (
          singleton bigint PRIMARY KEY CHECK (singleton = 1),
          hlc_last bigint NOT NULL,
          central_sequence bigint NOT NULL,
          head_version bigint NOT NULL,
          compacted_through bigint NOT NULL DEFAULT 0
        );
        -- Registered workstations. The token is stored only as its SHA-256; node_id is bound by
        -- the node's first push and never changes after (see SYNC-PROTOCOL.md §2). `scope`:
        -- 'shop' reads the registration's shop's orders, 'all' every shop's (an admin workstation).
        CREATE TABLE nodes (
          name text PRIMARY KEY,
          shop text NOT NULL,
          token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
          node_id text UNIQUE,
          created_at text NOT NULL,
          bound_at text,
          revoked_at text,
          last_settled_sequence bigint NOT NULL DEFAULT 0,
          scope text NOT NULL DEFAULT 'shop' CHECK (scope IN ('shop', 'all'))
        );
        -- Every settled change: the SHA-256 of the change as received (ReceivedChangeDigest) and
        -- its outcome (ChangeOutcome wire JSON).
        CREATE TABLE outcomes (
          node_id text NOT NULL,
          sequence bigint NOT NULL,
          change_digest bytea NOT NULL CHECK (length(change_digest) = 32),
          outcome text NOT NULL,
          PRIMARY KEY (node_id, sequence)
        );
        -- The log: accepted changes (as accepted) by version 1, 2, 3, … without holes. Versions
        -- are assigned by central, never by a sequence.
        CREATE TABLE log (
          version bigint PRIMARY KEY,
          change text NOT NULL,
          displaced text NOT NULL
        );
        -- The replica: every row's stamped fields, its append stamp and tombstone, in
        -- RowStateCodec's binary layout.
        CREATE TABLE rows (
          entity text NOT NULL,
          row_id text NOT NULL,
          order_id text NOT NULL,
          fields bytea NOT NULL,
          appended bytea,
          tombstone bytea,
          PRIMARY KEY (entity, row_id)
        );
        CREATE INDEX rows_by_order ON rows (order_id);
        -- Every accepted status move; an order's register is rebuilt from its moves
        -- (StatusMoveRows' columns).
        CREATE TABLE status_moves (
          order_id text NOT NULL,
          node_id text NOT NULL,
          sequence bigint NOT NULL,
          hlc bigint NOT NULL,
          version bigint NOT NULL,
          from_status text NOT NULL,
          status text NOT NULL,
          from_resume_status text,
          note text,
          PRIMARY KEY (node_id, sequence)
        );
        CREATE INDEX status_moves_by_order ON status_moves (order_id);
        -- Staff accounts: e-mail (lower-cased) is the identity and the author of changes. The
        -- password only as a scrypt hash. `version` is central's account version when the
        -- account last changed: every change sets it to the highest version + 1.
        CREATE TABLE accounts (
          email text PRIMARY KEY CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 255),
          name text NOT NULL CHECK (length(name) > 0),
          role text NOT NULL CHECK (role IN ('viewer', 'processor', 'manager', 'admin')),
          password_hash text NOT NULL,
          disabled bigint NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
          version bigint NOT NULL UNIQUE CHECK (version > 0),
          created_at text NOT NULL,
          updated_at text NOT NULL
        );
        -- The shop an order belongs to: the pushing node's shop when its first change merged.
        -- A shop's snapshot pages through its orders by id (order_shops_by_shop).
        CREATE TABLE order_shops (
          order_id text PRIMARY KEY,
          shop text NOT NULL,
          node_name text NOT NULL
        );
        CREATE INDEX order_shops_by_shop ON order_shops (shop, order_id);
        -- The audit trail, oldest first by id. Append-only: the triggers below refuse any
        -- UPDATE or DELETE (and TRUNCATE, which skips row triggers). `kind` is change, sign_in,
        -- sign_in_failed, sign_out, account_created, role_changed, account_disabled,
        -- account_enabled, password_set, node_added, token_bound, node_revoked. `event_id` makes
        -- uploads idempotent. Ids come from the identity only (as AUTOINCREMENT's, never reused;
        -- with gaps where a transaction rolled back): copying an existing trail in takes
        -- OVERRIDING SYSTEM VALUE and then moving the identity past the highest id copied.
        CREATE TABLE audit (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          received_at text NOT NULL,
          kind text NOT NULL,
          person text,
          node_name text,
          order_id text,
          entity text,
          operation text,
          hlc text,
          sequence bigint,
          outcome text,
          code text,
          detail text NOT NULL DEFAULT '',
          event_id text UNIQUE,
          happened_at text
        );
        CREATE INDEX audit_by_order ON audit (order_id) WHERE order_id IS NOT NULL;
        CREATE INDEX audit_by_person ON audit (person) WHERE person IS NOT NULL;
        CREATE INDEX audit_by_node ON audit (node_name) WHERE node_name IS NOT NULL;
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit trail is append-only';
        END;
        $$;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
          FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
          FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
          FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        -- Order numbers of orders whose creating log entry was compacted away, so the audit
        -- trail is still found by order number (`kct central audit --order NUMBER`). SQLite
        -- compares them case-insensitively (COLLATE NOCASE); here they are stored lower-cased
        -- (the CHECK refuses any other), so writers insert lower(number) and lookups compare
        -- `order_number = lower(?)`, which SQLite's NOCASE column answers the same way.
        CREATE TABLE compacted_order_numbers (
          order_number text NOT NULL CHECK (order_number = lower(order_number)),
          order_id text NOT NULL,
          PRIMARY KEY (order_number, order_id)
        );
        -- The shop of each log entry's order, so that a shop's pull reads its own entries by
        -- index instead of scanning the log. An entry whose order has no shop (none today) is
        -- read by 'all' registrations only.
        CREATE TABLE log_shops (
          shop text NOT NULL,
          version bigint NOT NULL,
          PRIMARY KEY (shop, version)
        );
        -- Filled by a trigger so that every writer of the log (pushes, central's own changes) is
        -- scoped without knowing about scopes. A new order's shop is written before its entries.
        \(logShopsTrigger)
        -- The effects ledger (issue 12): every provider call central makes, recorded in the same
        -- transaction as the accepted change or verified webhook that causes it. One row per
        -- provider call. `id` (eff_ + 32 hex of SHA-256 over cause and kind) is also Stripe's
        -- Idempotency-Key, so a retry after a crash is the same call. UNIQUE (cause, kind) makes
        -- recording idempotent: a cause records each kind of effect once, ever. `parameters` is
        -- the exact input of the call, fixed when recorded (a changed amount is a new effect).
        -- `in_flight` is set, durably, before the provider is called and cleared when its answer
        -- is recorded: found set at start-up, the answer was lost. `key_generation` moves Stripe
        -- to a new key only after reconciliation proved the old one made nothing.
        CREATE TABLE effects (
          id text PRIMARY KEY,
          cause text NOT NULL,
          kind text NOT NULL,
          order_id text NOT NULL,
          request_id text,
          parameters text NOT NULL,
          state text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'unknown', 'cancelled')),
          in_flight bigint NOT NULL DEFAULT 0 CHECK (in_flight IN (0, 1)),
          attempts bigint NOT NULL DEFAULT 0,
          key_generation bigint NOT NULL DEFAULT 0,
          first_attempt_at bigint,
          next_attempt_at bigint NOT NULL,
          provider_ref text,
          result text,
          message text,
          created_at text NOT NULL,
          updated_at text NOT NULL,
          UNIQUE (cause, kind)
        );
        CREATE INDEX effects_due ON effects (next_attempt_at) WHERE state = 'pending';
        CREATE INDEX effects_by_order ON effects (order_id);
        CREATE INDEX effects_by_provider_ref ON effects (provider_ref) WHERE provider_ref IS NOT NULL;
        -- Verified webhook events already acted on, so a redelivery does nothing.
        CREATE TABLE webhook_events (
          provider text NOT NULL,
          event_id text NOT NULL,
          event_type text NOT NULL,
          received_at text NOT NULL,
          PRIMARY KEY (provider, event_id)
        );
        """
}
