import GRDB

/// The replica's schema as SQL text, in creation order: what `schema/replica.sql` holds.
/// FTS5's shadow tables and GRDB's bookkeeping are left out (they follow from the statements).
enum ReplicaSchema {
    static let header = """
        -- The node replica's schema, as produced by the migrations in
        -- Sources/Store/ReplicaMigrations.swift (applied in order, by stable id). Generated: do not
        -- edit by hand; SchemaFileTests fails when this file and the migrations drift. Regenerate with
        --   KCT_UPDATE_SCHEMA=1 swift test --skip-build --filter SchemaFileTests
        -- Notes on the tables: schema/README.md.


        """

    static func dump(_ db: Database) throws -> String {
        let statements = try String.fetchAll(
            db,
            sql: """
                SELECT sql FROM sqlite_master
                WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                  AND NOT (type = 'table' AND name LIKE 'orders_search_%')
                ORDER BY rowid
                """)
        return header + statements.map { $0 + ";\n" }.joined(separator: "\n")
    }
}
