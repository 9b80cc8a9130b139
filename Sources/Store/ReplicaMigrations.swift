import GRDB
import OrderDomain
import StorageSupport

/// The replica's migrations, registered by stable ids that never change once released: a
/// database remembers which ids it has applied (GRDB's `grdb_migrations` table) and gets only the
/// missing ones. The resulting schema is written out in `schema/replica.sql`; `SchemaFileTests`
/// fails when the two drift (set `KCT_UPDATE_SCHEMA=1` to rewrite the file).
enum ReplicaMigrations {
    static let identifiers = [
        "2026-11-25-replica", "2026-11-25-search", "2026-11-25-queue", "2026-11-25-sync", "2026-11-26-staff",
        "2026-11-27-lazy-search", "2026-12-07-claims", "2026-12-07-queue-index", "2026-12-07-sync-retry",
        "2026-12-07-bootstrap", "2026-12-07-sync-verify", "2026-12-08-compact-rows", "2026-12-08-list-indexes",
        "2026-12-08-order-counts", "2026-12-08-analytics-totals", "2026-12-09-confirmed-rows-by-order",
        "2026-12-09-analytics-overdue", "2026-12-09-analytics-stage-days",
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(identifiers[0]) { db in try db.execute(sql: replicaTables) }
        migrator.registerMigration(identifiers[1]) { db in try db.execute(sql: searchIndex) }
        migrator.registerMigration(identifiers[2]) { db in try db.execute(sql: priorityQueue) }
        migrator.registerMigration(identifiers[3]) { db in try db.execute(sql: syncTables) }
        migrator.registerMigration(identifiers[4]) { db in try db.execute(sql: staffTables) }
        migrator.registerMigration(identifiers[5]) { db in try db.execute(sql: lazySearchIndex) }
        migrator.registerMigration(identifiers[6]) { db in try db.execute(sql: claimTables) }
        migrator.registerMigration(identifiers[7]) { db in try db.execute(sql: queueIndexes) }
        migrator.registerMigration(identifiers[8]) { db in try db.execute(sql: syncRetry) }
        migrator.registerMigration(identifiers[9]) { db in try db.execute(sql: bootstrap) }
        migrator.registerMigration(identifiers[10]) { db in try db.execute(sql: syncVerify) }
        migrator.registerMigration(identifiers[11]) { db in
            try RowStateCodec.rewriteLegacyRows(db, table: "confirmed_rows")
        }
        migrator.registerMigration(identifiers[12]) { db in try db.execute(sql: listIndexes) }
        migrator.registerMigration(identifiers[13]) { db in try db.execute(sql: orderCounts) }
        migrator.registerMigration(identifiers[14]) { db in try db.execute(sql: analyticsTotals) }
        migrator.registerMigration(identifiers[15]) { db in try clusterConfirmedRowsByOrder(db) }
        migrator.registerMigration(identifiers[16]) { db in try db.execute(sql: analyticsOverdue) }
        migrator.registerMigration(identifiers[17]) { db in try analyticsStageDays(db) }
        return migrator
    }

    static func quoted(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }
    static let statuses = quoted(OrderStatus.allCases.map(\.rawValue))
    static let priorities = quoted(OrderPriority.allCases.map(\.rawValue))
    /// The statuses an order stays in for good: the WHERE clause of the open-order indexes, which
    /// a query must repeat word for word for SQLite to use them.
    static let terminalStatuses = quoted(OrderStatus.allCases.filter(\.isTerminal).map(\.rawValue))

    /// Node identity and state, the outbox and stamps, and the seed's order tables. Tables keyed
    /// by a UUID and written on every edit are WITHOUT ROWID: one b-tree fewer per insert.
    static let replicaTables = """
        -- This workstation. One row, written by `kct init`.
        CREATE TABLE node_identity (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          node_id TEXT NOT NULL,
          name TEXT NOT NULL,
          shop_code TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        -- Counters advanced in the same transaction as every edit. One row.
        CREATE TABLE node_state (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          hlc_last INTEGER NOT NULL,
          outbox_last_sequence INTEGER NOT NULL,
          order_number_last INTEGER NOT NULL
        );
        -- Progress of sync with central. One row.
        CREATE TABLE sync_state (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          pull_cursor INTEGER NOT NULL DEFAULT 0,
          pushed_up_to INTEGER NOT NULL DEFAULT 0
        );
        -- Every local change, numbered without gaps from 1; pending = sequence > pushed_up_to.
        CREATE TABLE outbox (
          sequence INTEGER PRIMARY KEY,
          hlc INTEGER NOT NULL,
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          order_id TEXT NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('set_fields', 'set_status', 'append', 'delete')),
          fields TEXT NOT NULL CHECK (json_valid(fields)),
          author TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        -- Stamp (hlc, node_id) of the change that created a row: the last writer of each of
        -- the row's synced fields that has no entry in field_stamps.
        CREATE TABLE row_stamps (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL,
          PRIMARY KEY (entity, row_id)
        ) WITHOUT ROWID;
        -- Last writer of a synced field set after its row was created. A field's stamp is this
        -- entry, else its row's row_stamps entry: what last-writer-wins compares.
        CREATE TABLE field_stamps (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          field TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL,
          PRIMARY KEY (entity, row_id, field)
        ) WITHOUT ROWID;
        -- Deleted rows, so a late edit cannot bring them back.
        CREATE TABLE tombstones (
          entity TEXT NOT NULL,
          row_id TEXT NOT NULL,
          order_id TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL,
          PRIMARY KEY (entity, row_id)
        ) WITHOUT ROWID;
        CREATE TABLE orders (
          local_id INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          order_number TEXT NOT NULL UNIQUE CHECK (length(order_number) <= 20),
          customer_name TEXT NOT NULL,
          customer_email TEXT NOT NULL,
          customer_phone TEXT,
          status TEXT NOT NULL DEFAULT 'pending_payment' CHECK (status IN (\(statuses))),
          resume_status TEXT CHECK (resume_status IN (\(statuses))),
          priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN (\(priorities))),
          currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
          subtotal_amount INTEGER NOT NULL CHECK (subtotal_amount >= 0),
          tax_amount INTEGER NOT NULL DEFAULT 0 CHECK (tax_amount >= 0),
          shipping_amount INTEGER NOT NULL DEFAULT 0 CHECK (shipping_amount >= 0),
          total_amount INTEGER NOT NULL CHECK (total_amount >= 0),
          needed_by TEXT,
          shipping_address TEXT CHECK (shipping_address IS NULL OR json_valid(shipping_address)),
          billing_address TEXT CHECK (billing_address IS NULL OR json_valid(billing_address)),
          notes TEXT,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX orders_by_status ON orders (status);
        CREATE INDEX orders_by_priority ON orders (priority);
        CREATE INDEX orders_by_created_at ON orders (created_at);
        CREATE INDEX orders_by_customer_email ON orders (customer_email);
        CREATE TABLE order_items (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
          line_number INTEGER NOT NULL,
          product_source TEXT NOT NULL DEFAULT 'catalog' CHECK (product_source IN ('catalog', 'custom')),
          product_name TEXT NOT NULL,
          size TEXT,
          color TEXT,
          custom_measurements TEXT CHECK (custom_measurements IS NULL OR json_valid(custom_measurements)),
          quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
          unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
          total_price INTEGER NOT NULL CHECK (total_price >= 0),
          created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX order_items_by_order ON order_items (order_id, line_number);
        CREATE TABLE order_status_history (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
          from_status TEXT CHECK (from_status IN (\(statuses))),
          to_status TEXT NOT NULL CHECK (to_status IN (\(statuses))),
          changed_by TEXT NOT NULL,
          changed_at TEXT NOT NULL,
          note TEXT,
          duration_in_previous_seconds INTEGER,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX order_status_history_by_order ON order_status_history (order_id, changed_at);
        CREATE TABLE order_exceptions (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
          exception_type TEXT NOT NULL CHECK (length(exception_type) <= 100),
          exception_severity TEXT NOT NULL CHECK (exception_severity IN ('low', 'medium', 'high', 'critical')),
          description TEXT,
          resolution_status TEXT NOT NULL DEFAULT 'open'
            CHECK (resolution_status IN ('open', 'investigating', 'resolved', 'dismissed')),
          customer_notified INTEGER NOT NULL DEFAULT 0 CHECK (customer_notified IN (0, 1)),
          resolution_notes TEXT,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL,
          resolved_at TEXT,
          resolved_by TEXT
        );
        CREATE INDEX order_exceptions_by_order ON order_exceptions (order_id, created_at);
        CREATE INDEX order_exceptions_unresolved ON order_exceptions (resolution_status)
          WHERE resolution_status IN ('open', 'investigating');
        CREATE TABLE customer_communication_logs (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
          communication_type TEXT NOT NULL,
          communication_channel TEXT NOT NULL,
          message_content TEXT NOT NULL,
          delivery_status TEXT NOT NULL DEFAULT 'pending',
          sent_at TEXT,
          delivered_at TEXT,
          opened_at TEXT,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL
        );
        CREATE INDEX customer_communication_logs_by_order ON customer_communication_logs (order_id, created_at);
        """

    /// Full-text search over order number, customer name, e-mail and phone. External content:
    /// the index holds no copy of the text, triggers keep it in step with `orders`, keyed by the
    /// stable `local_id`. Backfills orders that existed before this migration. Search only asks
    /// "does the order contain words starting with these", so the index keeps no positions or
    /// column sizes (`detail = none`, `columnsize = 0`): fewer pages written per edit.
    static let searchIndex = """
        CREATE VIRTUAL TABLE orders_search USING fts5(
          order_number, customer_name, customer_email, customer_phone,
          content = 'orders', content_rowid = 'local_id', tokenize = 'unicode61 remove_diacritics 2',
          columnsize = 0, detail = none
        );
        CREATE TRIGGER orders_search_after_insert AFTER INSERT ON orders BEGIN
          INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES (new.local_id, new.order_number, new.customer_name, new.customer_email, new.customer_phone);
        END;
        CREATE TRIGGER orders_search_after_delete AFTER DELETE ON orders BEGIN
          INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES ('delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone);
        END;
        CREATE TRIGGER orders_search_after_update
        AFTER UPDATE OF order_number, customer_name, customer_email, customer_phone ON orders BEGIN
          INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES ('delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone);
          INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
          VALUES (new.local_id, new.order_number, new.customer_name, new.customer_email, new.customer_phone);
        END;
        INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
        SELECT local_id, order_number, customer_name, customer_email, customer_phone FROM orders;
        """

    /// The priority queue: local and derived (scores depend on the time they are computed at),
    /// refreshed by `kct queue`, never synced.
    static let priorityQueue = """
        CREATE TABLE order_priority_queue (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
          queue_position INTEGER NOT NULL,
          priority_score INTEGER NOT NULL,
          queue_type TEXT NOT NULL,
          assigned_to TEXT,
          queue_status TEXT NOT NULL DEFAULT 'waiting',
          scored_at TEXT NOT NULL
        );
        CREATE INDEX order_priority_queue_by_position ON order_priority_queue (queue_position);
        """
}
