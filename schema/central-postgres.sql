-- Central's schema on PostgreSQL, as pg_dump --schema-only reports it after the migrations
-- in Sources/Central/CentralPostgresSchema.swift (applied in order, by stable id; owners,
-- privileges, SET lines and comments left out). Generated: do not edit by hand;
-- PostgresSchemaTests fails when this file and the migrations drift. Regenerate with
--   KCT_UPDATE_SCHEMA=1 swift test --skip-build --filter PostgresSchemaTests
-- Notes on the tables: schema/README.md and the SQLite schema's comments (CentralSchema*.swift).

CREATE FUNCTION public.audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;

CREATE TABLE public.accounts (
    email text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    password_hash text NOT NULL,
    disabled bigint DEFAULT 0 NOT NULL,
    version bigint NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    CONSTRAINT accounts_disabled_check CHECK ((disabled = ANY (ARRAY[(0)::bigint, (1)::bigint]))),
    CONSTRAINT accounts_email_check CHECK (((email = lower(email)) AND ((length(email) >= 3) AND (length(email) <= 255)))),
    CONSTRAINT accounts_name_check CHECK ((length(name) > 0)),
    CONSTRAINT accounts_role_check CHECK ((role = ANY (ARRAY['viewer'::text, 'processor'::text, 'manager'::text, 'admin'::text]))),
    CONSTRAINT accounts_version_check CHECK ((version > 0))
);

CREATE TABLE public.audit (
    id bigint NOT NULL,
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
    detail text DEFAULT ''::text NOT NULL,
    event_id text,
    happened_at text
);

ALTER TABLE public.audit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.central_identity (
    singleton bigint NOT NULL,
    created_at text NOT NULL,
    CONSTRAINT central_identity_singleton_check CHECK ((singleton = 1))
);

CREATE TABLE public.central_state (
    singleton bigint NOT NULL,
    hlc_last bigint NOT NULL,
    central_sequence bigint NOT NULL,
    head_version bigint NOT NULL,
    compacted_through bigint DEFAULT 0 NOT NULL,
    CONSTRAINT central_state_singleton_check CHECK ((singleton = 1))
);

CREATE TABLE public.compacted_order_numbers (
    order_number text NOT NULL,
    order_id text NOT NULL,
    CONSTRAINT compacted_order_numbers_order_number_check CHECK ((order_number = lower(order_number)))
);

CREATE TABLE public.effects (
    id text NOT NULL,
    cause text NOT NULL,
    kind text NOT NULL,
    order_id text NOT NULL,
    request_id text,
    parameters text NOT NULL,
    state text NOT NULL,
    in_flight bigint DEFAULT 0 NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    key_generation bigint DEFAULT 0 NOT NULL,
    first_attempt_at bigint,
    next_attempt_at bigint NOT NULL,
    provider_ref text,
    result text,
    message text,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    CONSTRAINT effects_in_flight_check CHECK ((in_flight = ANY (ARRAY[(0)::bigint, (1)::bigint]))),
    CONSTRAINT effects_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'succeeded'::text, 'failed'::text, 'unknown'::text, 'cancelled'::text])))
);

CREATE TABLE public.log (
    version bigint NOT NULL,
    change bytea NOT NULL,
    displaced text NOT NULL
);

CREATE TABLE public.log_shops (
    shop text NOT NULL,
    version bigint NOT NULL
);

CREATE TABLE public.nodes (
    name text NOT NULL,
    shop text NOT NULL,
    token_hash bytea NOT NULL,
    node_id text,
    created_at text NOT NULL,
    bound_at text,
    revoked_at text,
    last_settled_sequence bigint DEFAULT 0 NOT NULL,
    scope text DEFAULT 'shop'::text NOT NULL,
    CONSTRAINT nodes_scope_check CHECK ((scope = ANY (ARRAY['shop'::text, 'all'::text]))),
    CONSTRAINT nodes_token_hash_check CHECK ((length(token_hash) = 32))
);

CREATE TABLE public.order_shops (
    order_id text NOT NULL,
    shop text NOT NULL,
    node_name text NOT NULL
);

CREATE TABLE public.outcomes (
    node_id text NOT NULL,
    sequence bigint NOT NULL,
    change_digest bytea NOT NULL,
    outcome text NOT NULL,
    CONSTRAINT outcomes_change_digest_check CHECK ((length(change_digest) = 32))
);

CREATE TABLE public.rate_buckets (
    token_hash bytea NOT NULL,
    tokens double precision NOT NULL,
    updated_ms bigint NOT NULL,
    admitted bigint NOT NULL,
    CONSTRAINT rate_buckets_admitted_check CHECK ((admitted = ANY (ARRAY[(0)::bigint, (1)::bigint]))),
    CONSTRAINT rate_buckets_token_hash_check CHECK ((length(token_hash) = 32))
);

CREATE TABLE public.rows (
    entity text NOT NULL,
    row_id text NOT NULL,
    order_id text NOT NULL,
    fields bytea NOT NULL,
    appended bytea,
    tombstone bytea
);

CREATE TABLE public.status_moves (
    order_id text NOT NULL,
    node_id text NOT NULL,
    sequence bigint NOT NULL,
    hlc bigint NOT NULL,
    version bigint NOT NULL,
    from_status text NOT NULL,
    status text NOT NULL,
    from_resume_status text,
    note text
);

CREATE TABLE public.webhook_events (
    provider text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    received_at text NOT NULL
);

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (email);

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_version_key UNIQUE (version);

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_event_id_key UNIQUE (event_id);

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.central_identity
    ADD CONSTRAINT central_identity_pkey PRIMARY KEY (singleton);

ALTER TABLE ONLY public.central_state
    ADD CONSTRAINT central_state_pkey PRIMARY KEY (singleton);

ALTER TABLE ONLY public.compacted_order_numbers
    ADD CONSTRAINT compacted_order_numbers_pkey PRIMARY KEY (order_number, order_id);

ALTER TABLE ONLY public.effects
    ADD CONSTRAINT effects_cause_kind_key UNIQUE (cause, kind);

ALTER TABLE ONLY public.effects
    ADD CONSTRAINT effects_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.log
    ADD CONSTRAINT log_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.log_shops
    ADD CONSTRAINT log_shops_pkey PRIMARY KEY (shop, version);

ALTER TABLE ONLY public.nodes
    ADD CONSTRAINT nodes_node_id_key UNIQUE (node_id);

ALTER TABLE ONLY public.nodes
    ADD CONSTRAINT nodes_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.nodes
    ADD CONSTRAINT nodes_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.order_shops
    ADD CONSTRAINT order_shops_pkey PRIMARY KEY (order_id);

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_pkey PRIMARY KEY (node_id, sequence);

ALTER TABLE ONLY public.rate_buckets
    ADD CONSTRAINT rate_buckets_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY public.rows
    ADD CONSTRAINT rows_pkey PRIMARY KEY (entity, row_id);

ALTER TABLE ONLY public.status_moves
    ADD CONSTRAINT status_moves_pkey PRIMARY KEY (node_id, sequence);

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (provider, event_id);

CREATE INDEX audit_by_node ON public.audit USING btree (node_name) WHERE (node_name IS NOT NULL);

CREATE INDEX audit_by_order ON public.audit USING btree (order_id) WHERE (order_id IS NOT NULL);

CREATE INDEX audit_by_person ON public.audit USING btree (person) WHERE (person IS NOT NULL);

CREATE INDEX effects_by_order ON public.effects USING btree (order_id);

CREATE INDEX effects_by_provider_ref ON public.effects USING btree (provider_ref) WHERE (provider_ref IS NOT NULL);

CREATE INDEX effects_due ON public.effects USING btree (next_attempt_at) WHERE (state = 'pending'::text);

CREATE INDEX order_shops_by_shop ON public.order_shops USING btree (shop, order_id);

CREATE INDEX rows_by_order ON public.rows USING btree (order_id);

CREATE INDEX status_moves_by_order ON public.status_moves USING btree (order_id);

CREATE TRIGGER audit_no_delete BEFORE DELETE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.audit_append_only();

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON public.audit FOR EACH STATEMENT EXECUTE FUNCTION public.audit_append_only();

CREATE TRIGGER audit_no_update BEFORE UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.audit_append_only();
