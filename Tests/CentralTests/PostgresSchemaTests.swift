import Foundation
import LocalPostgres
import SyncCore
import Testing

@testable import Central

/// Central's PostgreSQL schema (CentralPostgresSchema) on a real server: the migrations build
/// what schema/central-postgres.sql says, and the schema's own rules (append-only audit, CHECK
/// constraints) hold (log entries are filed under their shops by the push: PackedLogTests). The
/// migrations are applied as central applies them (`kct central init --db postgres://…`);
/// `central_migrations`, the record of which ran, is left out of the schema file. Serialized:
/// every psql call blocks its thread until psql ends, and on 2 cores parallel tests here would
/// hold all of Swift's cooperative threads at once.
@Suite(.serialized) struct PostgresSchemaTests {
    static let schemaFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schema/central-postgres.sql")

    static let header = """
        -- Central's schema on PostgreSQL, as pg_dump --schema-only reports it after the migrations
        -- in Sources/Central/CentralPostgresSchema.swift (applied in order, by stable id; owners,
        -- privileges, SET lines and comments left out). Generated: do not edit by hand;
        -- PostgresSchemaTests fails when this file and the migrations drift. Regenerate with
        --   KCT_UPDATE_SCHEMA=1 swift test --skip-build --filter PostgresSchemaTests
        -- Notes on the tables: schema/README.md and the SQLite schema's comments (CentralSchema*.swift).


        """

    /// A new database on the shared server with every migration applied, each in a transaction.
    static func migratedDatabase() throws -> (PostgresServer, url: String) {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let store = try CentralStore.create(at: .postgres(url: url))
        // The schema, not central's first rows: tests insert their own.
        try store.database.write { conn in
            try conn.execute("DELETE FROM central_identity", [])
            try conn.execute("DELETE FROM central_state", [])
        }
        return (server, url)
    }

    /// psql's error text for `sql`, which must fail.
    static func failure(_ server: PostgresServer, _ url: String, _ sql: String) -> String {
        do {
            let printed = try server.psql(url, sql)
            Issue.record("expected an error, psql printed: \(printed)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func migrationIdentifiersAreTheMigrationsInOrder() {
        #expect(CentralPostgresSchema.migrations.map(\.id) == CentralPostgresSchema.identifiers)
        #expect(
            CentralPostgresSchema.identifiers == [
                "2026-12-08-postgres-central", "2026-12-08-shared-rate-limits", "2026-12-09-packed-log",
            ])
        #expect(Set(CentralPostgresSchema.identifiers).count == CentralPostgresSchema.identifiers.count)
    }

    @Test func schemaFileMatchesTheMigratedSchema() throws {
        let (server, url) = try Self.migratedDatabase()
        let migrated = Self.header + (try server.dumpSchema(url, excludingTables: ["central_migrations"]))
        if ProcessInfo.processInfo.environment["KCT_UPDATE_SCHEMA"] == "1" {
            try migrated.write(to: Self.schemaFile, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(
            written == migrated, "schema/central-postgres.sql is out of date; regenerate it with KCT_UPDATE_SCHEMA=1")
    }

    @Test func schemaFileBuildsTheSameDatabase() throws {
        // The file is runnable SQL: running it in an empty database yields the migrated schema.
        let (server, migrated) = try Self.migratedDatabase()
        let fromFile = try server.createDatabase()
        try server.psql(fromFile, try String(contentsOf: Self.schemaFile, encoding: .utf8))
        #expect(
            try server.dumpSchema(fromFile)
                == (try server.dumpSchema(migrated, excludingTables: ["central_migrations"])))
    }

    /// SQLite's tables (derived_fields was dropped there too), plus PostgreSQL's own: the record of
    /// applied migrations and the rate-limit buckets the serve processes share.
    @Test func everyTableIsThere() throws {
        let (server, url) = try Self.migratedDatabase()
        let tables = try server.psql(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        #expect(
            tables.split(separator: "\n") == [
                "accounts", "audit", "central_identity", "central_migrations", "central_state",
                "compacted_order_numbers", "effects",
                "log", "log_shops", "nodes", "order_shops", "outcomes", "rate_buckets", "rows", "status_moves",
                "webhook_events",
            ])
    }

    @Test func auditTrailIsAppendOnly() throws {
        let (server, url) = try Self.migratedDatabase()
        let ids = try server.psql(
            url,
            """
            INSERT INTO audit (received_at, kind, person)
              VALUES ('2026-12-08T10:00:00.000Z', 'sign_in', 'ana@kct.example');
            INSERT INTO audit (received_at, kind, person)
              VALUES ('2026-12-08T10:00:01.000Z', 'sign_out', 'ana@kct.example');
            SELECT id FROM audit ORDER BY id;
            """)
        #expect(ids == "1\n2")
        for statement in [
            "UPDATE audit SET detail = 'rewritten' WHERE id = 1", "DELETE FROM audit WHERE id = 2",
            "DELETE FROM audit", "TRUNCATE audit",
        ] {
            let error = Self.failure(server, url, statement)
            #expect(error.contains("ERROR:  the audit trail is append-only"), "\(statement): \(error)")
        }
        // Ids come from the identity only.
        let explicit = Self.failure(
            server, url, "INSERT INTO audit (id, received_at, kind) VALUES (7, '2026-12-08T10:00:02.000Z', 'sign_in')")
        #expect(explicit.contains("cannot insert a non-DEFAULT value into column \"id\""), "\(explicit)")
        let trail = try server.psql(url, "SELECT id, kind, detail FROM audit ORDER BY id")
        #expect(trail == "1|sign_in|\n2|sign_out|")
    }

    @Test func checksRefuseBadValues() throws {
        let (server, url) = try Self.migratedDatabase()
        // A bytea literal of `count` bytes.
        func bytes(_ count: Int, _ byte: String = "ab") -> String {
            "'\\x" + String(repeating: byte, count: count) + "'::bytea"
        }
        let hash32 = bytes(32), hash31 = bytes(31), hash33 = bytes(33), otherHash32 = bytes(32, "cd")
        let account = "INSERT INTO accounts (email, name, role, password_hash, version, created_at, updated_at) VALUES"
        let node = "INSERT INTO nodes (name, shop, token_hash, created_at, scope) VALUES"
        let outcome = "INSERT INTO outcomes (node_id, sequence, change_digest, outcome) VALUES"
        // What central writes is accepted…
        try server.psql(
            url,
            """
            \(account) ('ana@kct.example', 'Ana', 'processor', 'scrypt$x', 1, 'now', 'now');
            \(node) ('W1', 'S01', \(hash32), 'now', 'shop');
            \(outcome) ('n-w1', 1, \(hash32), '{}');
            INSERT INTO compacted_order_numbers (order_number, order_id) VALUES (lower('S01-W1-000001'), 'o-1');
            INSERT INTO central_identity (singleton, created_at) VALUES (1, 'now');
            INSERT INTO central_state (singleton, hlc_last, central_sequence, head_version) VALUES (1, 0, 0, 0);
            """)
        #expect(try server.psql(url, "SELECT compacted_through FROM central_state") == "0")
        #expect(try server.psql(url, "SELECT disabled, scope FROM accounts, nodes") == "0|shop")
        #expect(
            try server.psql(
                url, "SELECT order_id FROM compacted_order_numbers WHERE order_number = lower('s01-W1-000001')")
                == "o-1")
        // …and what breaks a rule is refused by the constraint that states it.
        let refused: [(String, String)] = [
            ("\(account) ('max@kct.example', 'Max', 'owner', 'scrypt$x', 2, 'now', 'now')", "accounts_role_check"),
            ("\(account) ('Max@kct.example', 'Max', 'admin', 'scrypt$x', 2, 'now', 'now')", "accounts_email_check"),
            ("\(account) ('max@kct.example', '', 'admin', 'scrypt$x', 2, 'now', 'now')", "accounts_name_check"),
            ("\(account) ('max@kct.example', 'Max', 'admin', 'scrypt$x', 0, 'now', 'now')", "accounts_version_check"),
            ("\(account) ('max@kct.example', 'Max', 'admin', 'scrypt$x', 1, 'now', 'now')", "accounts_version_key"),
            ("UPDATE accounts SET disabled = 2", "accounts_disabled_check"),
            ("\(node) ('W2', 'S01', \(hash31), 'now', 'shop')", "nodes_token_hash_check"),
            ("\(node) ('W2', 'S01', \(hash33), 'now', 'shop')", "nodes_token_hash_check"),
            ("\(node) ('W2', 'S01', \(hash32), 'now', 'shop')", "nodes_token_hash_key"),
            ("\(node) ('W2', 'S01', \(otherHash32), 'now', 'region')", "nodes_scope_check"),
            ("\(outcome) ('n-w1', 2, \(hash31), '{}')", "outcomes_change_digest_check"),
            ("\(outcome) ('n-w1', 1, \(hash32), '{}')", "outcomes_pkey"),
            (
                "INSERT INTO compacted_order_numbers (order_number, order_id) VALUES ('S01-W1-000002', 'o-2')",
                "compacted_order_numbers_order_number_check"
            ),
            (
                "INSERT INTO central_identity (singleton, created_at) VALUES (2, 'now')",
                "central_identity_singleton_check"
            ),
            (
                """
                INSERT INTO effects (id, cause, kind, order_id, parameters, state, next_attempt_at, created_at,
                  updated_at) VALUES ('eff_1', 'c', 'k', 'o-1', '{}', 'done', 0, 'now', 'now')
                """,
                "effects_state_check"
            ),
        ]
        for (statement, constraint) in refused {
            let error = Self.failure(server, url, statement)
            #expect(error.contains("constraint \"\(constraint)\""), "\(statement): \(error)")
        }
        #expect(try server.psql(url, "SELECT count(*) FROM accounts") == "1")
        #expect(try server.psql(url, "SELECT count(*) FROM nodes") == "1")
    }

    @Test func effectsAreRecordedOncePerCauseAndKind() throws {
        let (server, url) = try Self.migratedDatabase()
        let insert = """
            INSERT INTO effects (id, cause, kind, order_id, parameters, state, next_attempt_at, created_at, updated_at)
            VALUES
            """
        func values(_ id: String) -> String {
            "('\(id)', 'log:1', 'payment_intent', 'o-1', '{}', 'pending', 0, 'now', 'now')"
        }
        try server.psql(url, "\(insert) \(values("eff_1"))")
        // Recording again is a no-op through ON CONFLICT, and refused without it.
        try server.psql(url, "\(insert) \(values("eff_1")) ON CONFLICT DO NOTHING")
        let error = Self.failure(server, url, "\(insert) \(values("eff_2"))")
        #expect(error.contains("constraint \"effects_cause_kind_key\""), "\(error)")
        #expect(try server.psql(url, "SELECT id, in_flight, attempts, key_generation FROM effects") == "eff_1|0|0|0")
    }

    @Test func everyCreatedDatabaseIsNewAndEmpty() throws {
        let server = try PostgresServer.shared()
        let first = try server.createDatabase()
        let second = try server.createDatabase()
        #expect(first != second)
        #expect(first.hasPrefix("postgres://postgres@127.0.0.1:\(server.port)/"))
        try server.psql(first, "CREATE TABLE t (x bigint)")
        #expect(try server.psql(second, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
        // The server also listens on its unix socket.
        let database = String(second.split(separator: "/").last!)
        let overSocket = try server.psql(
            "postgresql:///\(database)?host=\(server.directory)&port=\(server.port)&user=postgres",
            "SELECT current_database()")
        #expect(overSocket == database)
    }
}
