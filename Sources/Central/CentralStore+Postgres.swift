import Foundation
import Postgres
import StorageSupport

extension CentralStore {
    /// A PostgreSQL database as central's store, migrated (`CentralPostgresSchema`). An existing
    /// store must already be one: a database without `central_identity` is refused untouched,
    /// as a stray SQLite file is.
    static func openPostgres(_ url: String, existing: Bool) throws(CentralError) -> CentralDatabase {
        let pool = PostgresPool(url: url)
        do {
            try pool.withConnection { connection in
                if existing {
                    let isCentral = try connection.fetchValue(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?",
                        [.text("central_identity")], as: Int64.self)
                    guard isCentral == 1 else {
                        throw CentralError.missingStore(path: CentralLocation.postgres(url: url).description)
                    }
                }
                try CentralDatabase.migratePostgres(connection, CentralPostgresSchema.migrations)
            }
        } catch {
            throw CentralError.wrap(error)
        }
        return CentralDatabase(.postgres(pool, writer: NSLock()))
    }

    /// Tells the other serve processes on this database that the log advanced (PostgreSQL: a
    /// notification, delivered when this transaction commits; SQLite: one process, nothing to do).
    func announceLogAdvance(_ conn: any SQLConnection, head: Int64, shops: Set<String>) throws {
        guard conn.dialect == .postgres else { return }
        let advance = CentralLogListener.Advance(origin: instanceID, head: head, shops: shops)
        try conn.execute("SELECT pg_notify(?, ?)", [.text(CentralLogListener.channel), .text(advance.payload)])
    }

    /// The PostgreSQL pool, for the listener and the effects leadership; nil on SQLite.
    var postgresPool: PostgresPool? {
        if case .postgres(let pool, _) = database.backend { pool } else { nil }
    }
}
