-- The node replica's schema, as produced by the migrations in
-- Sources/Store/ReplicaMigrations.swift (applied in order, by stable id). Generated: do not
-- edit by hand; SchemaFileTests fails when this file and the migrations drift. Regenerate with
--   KCT_UPDATE_SCHEMA=1 swift test --skip-build --filter SchemaFileTests
-- Notes on the tables: schema/README.md.

CREATE TABLE node_identity (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  node_id TEXT NOT NULL,
  name TEXT NOT NULL,
  shop_code TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE node_state (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  hlc_last INTEGER NOT NULL,
  outbox_last_sequence INTEGER NOT NULL,
  order_number_last INTEGER NOT NULL
);

CREATE TABLE sync_state (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  pull_cursor INTEGER NOT NULL DEFAULT 0,
  pushed_up_to INTEGER NOT NULL DEFAULT 0
, central_url TEXT, token TEXT, head_version INTEGER, last_attempt_at TEXT, last_success_at TEXT, last_error TEXT, accounts_source TEXT NOT NULL DEFAULT 'local'
  CHECK (accounts_source IN ('local', 'central')), accounts_version INTEGER NOT NULL DEFAULT 0, consecutive_failures INTEGER NOT NULL DEFAULT 0, next_retry_at TEXT, bootstrap_needed INTEGER NOT NULL DEFAULT 1
  CHECK (bootstrap_needed IN (0, 1)), snapshot_version INTEGER, snapshot_after TEXT, snapshot_orders_done INTEGER NOT NULL DEFAULT 0, snapshot_orders_total INTEGER, snapshot_started_at TEXT);

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
, base_version INTEGER NOT NULL DEFAULT 0);

CREATE TABLE row_stamps (
  entity TEXT NOT NULL,
  row_id TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  PRIMARY KEY (entity, row_id)
) WITHOUT ROWID;

CREATE TABLE field_stamps (
  entity TEXT NOT NULL,
  row_id TEXT NOT NULL,
  field TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  PRIMARY KEY (entity, row_id, field)
) WITHOUT ROWID;

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
  status TEXT NOT NULL DEFAULT 'pending_payment' CHECK (status IN ('pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging', 'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception')),
  resume_status TEXT CHECK (resume_status IN ('pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging', 'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception')),
  priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent', 'rush', 'wedding_party', 'prom_group', 'vip_customer')),
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
  from_status TEXT CHECK (from_status IN ('pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging', 'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception')),
  to_status TEXT NOT NULL CHECK (to_status IN ('pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging', 'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception')),
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

CREATE VIRTUAL TABLE orders_search USING fts5(
  order_number, customer_name, customer_email, customer_phone,
  content = 'orders', content_rowid = 'local_id', tokenize = 'unicode61 remove_diacritics 2',
  columnsize = 0, detail = none
);

CREATE INDEX outbox_by_order ON outbox (order_id, sequence);

CREATE TABLE confirmed_status_moves (
  order_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  version INTEGER NOT NULL,
  from_status TEXT NOT NULL,
  status TEXT NOT NULL,
  from_resume_status TEXT,
  note TEXT,
  PRIMARY KEY (order_id, node_id, sequence)
) WITHOUT ROWID;

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

CREATE TABLE accounts (
  email TEXT PRIMARY KEY CHECK (email = lower(email)),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'processor', 'manager', 'admin')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  email TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('cli', 'api')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT
) WITHOUT ROWID;

CREATE INDEX sessions_by_email ON sessions (email);

CREATE TABLE sign_in_failures (
  email TEXT PRIMARY KEY,
  consecutive INTEGER NOT NULL,
  last_failed_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE auth_events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('sign_in', 'sign_in_failed', 'sign_out')),
  email TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT NOT NULL,
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1))
);

CREATE INDEX auth_events_pending ON auth_events (uploaded, seq);

CREATE TABLE search_index (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  indexed_through INTEGER NOT NULL
);

CREATE TRIGGER orders_search_after_update
AFTER UPDATE OF order_number, customer_name, customer_email, customer_phone ON orders
WHEN old.local_id <= (SELECT indexed_through FROM search_index)
  AND (old.order_number IS NOT new.order_number OR old.customer_name IS NOT new.customer_name
       OR old.customer_email IS NOT new.customer_email OR old.customer_phone IS NOT new.customer_phone)
BEGIN
  INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
  VALUES ('delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone);
  INSERT INTO orders_search (rowid, order_number, customer_name, customer_email, customer_phone)
  VALUES (new.local_id, new.order_number, new.customer_name, new.customer_email, new.customer_phone);
END;

CREATE TRIGGER orders_search_after_delete AFTER DELETE ON orders BEGIN
  INSERT INTO orders_search (orders_search, rowid, order_number, customer_name, customer_email, customer_phone)
  SELECT 'delete', old.local_id, old.order_number, old.customer_name, old.customer_email, old.customer_phone
  WHERE old.local_id <= (SELECT indexed_through FROM search_index);
  UPDATE search_index SET indexed_through = (SELECT coalesce(max(local_id), 0) FROM orders)
  WHERE indexed_through > (SELECT coalesce(max(local_id), 0) FROM orders);
END;

CREATE TABLE order_claims (
  id TEXT PRIMARY KEY NOT NULL,
  order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  claim_action TEXT NOT NULL CHECK (claim_action IN ('claim', 'release')),
  stage TEXT NOT NULL CHECK (stage IN ('pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging', 'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception')),
  claimed_by TEXT NOT NULL,
  released_claim_id TEXT,
  created_at TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  node_id TEXT NOT NULL
);

CREATE INDEX order_claims_by_order ON order_claims (order_id);

CREATE INDEX orders_open_by_deadline ON orders (priority, needed_by, created_at, order_number)
WHERE status NOT IN ('completed', 'cancelled', 'refunded');

CREATE INDEX orders_open_by_age ON orders (priority, created_at, order_number)
WHERE status NOT IN ('completed', 'cancelled', 'refunded');

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

CREATE INDEX orders_by_status_priority_created ON orders (status, priority, created_at, order_number);

CREATE INDEX orders_by_created ON orders (created_at, order_number);

CREATE INDEX order_status_history_by_time ON order_status_history (changed_at, order_id);

CREATE TABLE order_counts (
  status TEXT NOT NULL,
  resume_status TEXT NOT NULL,
  priority TEXT NOT NULL,
  currency TEXT NOT NULL,
  order_count INTEGER NOT NULL,
  total_minor_units INTEGER NOT NULL,
  PRIMARY KEY (status, resume_status, priority, currency)
) WITHOUT ROWID;

CREATE TRIGGER order_counts_after_insert AFTER INSERT ON orders BEGIN
  INSERT INTO order_counts (status, resume_status, priority, currency, order_count, total_minor_units)
  VALUES (new.status, coalesce(new.resume_status, ''), new.priority, new.currency, 1, new.total_amount)
  ON CONFLICT (status, resume_status, priority, currency) DO UPDATE SET
    order_count = order_count + 1, total_minor_units = total_minor_units + excluded.total_minor_units;
END;

CREATE TRIGGER order_counts_after_delete AFTER DELETE ON orders BEGIN
  UPDATE order_counts SET order_count = order_count - 1,
    total_minor_units = total_minor_units - old.total_amount
  WHERE status = old.status AND resume_status = coalesce(old.resume_status, '')
    AND priority = old.priority AND currency = old.currency;
  DELETE FROM order_counts WHERE order_count = 0 AND status = old.status AND resume_status = coalesce(old.resume_status, '')
    AND priority = old.priority AND currency = old.currency;
END;

CREATE TRIGGER order_counts_after_update
AFTER UPDATE OF status, resume_status, priority, currency, total_amount ON orders
WHEN old.status IS NOT new.status OR old.resume_status IS NOT new.resume_status
  OR old.priority IS NOT new.priority OR old.currency IS NOT new.currency
  OR old.total_amount IS NOT new.total_amount
BEGIN
  UPDATE order_counts SET order_count = order_count - 1,
    total_minor_units = total_minor_units - old.total_amount
  WHERE status = old.status AND resume_status = coalesce(old.resume_status, '')
    AND priority = old.priority AND currency = old.currency;
  DELETE FROM order_counts WHERE order_count = 0 AND status = old.status AND resume_status = coalesce(old.resume_status, '')
    AND priority = old.priority AND currency = old.currency;
  INSERT INTO order_counts (status, resume_status, priority, currency, order_count, total_minor_units)
  VALUES (new.status, coalesce(new.resume_status, ''), new.priority, new.currency, 1, new.total_amount)
  ON CONFLICT (status, resume_status, priority, currency) DO UPDATE SET
    order_count = order_count + 1, total_minor_units = total_minor_units + excluded.total_minor_units;
END;

CREATE TABLE analytics_pending (order_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;

CREATE TABLE analytics_orders (
  order_id TEXT PRIMARY KEY NOT NULL,
  ready INTEGER NOT NULL CHECK (ready IN (0, 1)),
  contribution TEXT NOT NULL CHECK (json_valid(contribution))
) WITHOUT ROWID;

CREATE TABLE analytics_ready_days (
  day TEXT PRIMARY KEY NOT NULL,
  due INTEGER NOT NULL,
  on_time INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE analytics_work_days (
  day TEXT NOT NULL,
  person TEXT NOT NULL,
  moves INTEGER NOT NULL,
  orders_shipped INTEGER NOT NULL,
  PRIMARY KEY (day, person)
) WITHOUT ROWID;

CREATE TRIGGER analytics_after_history_insert AFTER INSERT ON order_status_history BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (new.order_id) ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TRIGGER analytics_after_history_update AFTER UPDATE ON order_status_history BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (old.order_id), (new.order_id)
    ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TRIGGER analytics_after_history_delete AFTER DELETE ON order_status_history BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (old.order_id) ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TRIGGER analytics_after_needed_by AFTER UPDATE OF needed_by ON orders
WHEN old.needed_by IS NOT new.needed_by BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (new.id) ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TRIGGER analytics_after_order_delete AFTER DELETE ON orders BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (old.id) ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TABLE confirmed_rows (
  order_id BLOB NOT NULL,
  entity INTEGER NOT NULL,
  row_id BLOB NOT NULL,
  fields BLOB NOT NULL,
  appended BLOB,
  tombstone BLOB,
  PRIMARY KEY (order_id, entity, row_id)
) WITHOUT ROWID;

CREATE INDEX confirmed_rows_integration_requests ON confirmed_rows (order_id)
WHERE entity = 7;

CREATE TABLE analytics_open_ready (
  local_id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE
, needed_by TEXT);

CREATE INDEX orders_open_by_needed_by ON orders (needed_by, order_number, status)
WHERE needed_by IS NOT NULL AND status NOT IN ('completed', 'cancelled', 'refunded');

CREATE TRIGGER analytics_after_status AFTER UPDATE OF status ON orders
WHEN old.status IS NOT new.status BEGIN
  INSERT INTO analytics_pending (order_id) VALUES (new.id) ON CONFLICT (order_id) DO NOTHING;
END;

CREATE TABLE analytics_stage_days (
  day TEXT NOT NULL,
  stage TEXT NOT NULL,
  histogram BLOB NOT NULL,
  PRIMARY KEY (day, stage)
) WITHOUT ROWID;

CREATE INDEX analytics_open_ready_by_needed_by ON analytics_open_ready (needed_by)
WHERE needed_by IS NOT NULL;
