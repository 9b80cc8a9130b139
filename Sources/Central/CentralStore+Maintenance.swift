import GRDB
import StorageSupport

extension CentralStore {
    /// Gives freed space back (`kct central vacuum`); safe while `kct central serve` serves the
    /// store. SQLite: rewrites the file compactly (`DatabaseVacuum` says why it is safe).
    /// PostgreSQL: `VACUUM (ANALYZE)`, which makes dead rows' space reusable and refreshes the
    /// planner's statistics without blocking pushes; the files shrink only where their tail is
    /// free (VACUUM FULL would lock every table: an operator's choice, not ours).
    package func vacuum() throws(CentralError) -> VacuumReport {
        do {
            switch database.backend {
            case .sqlite(let pool): return try DatabaseVacuum.run(pool)
            case .postgres(let pool, _):
                return try pool.withConnection { connection in
                    let size = "SELECT pg_database_size(current_database())"
                    let before = try connection.fetchValue(size, as: Int64.self) ?? 0
                    try connection.executeScript("VACUUM (ANALYZE)")
                    let after = try connection.fetchValue(size, as: Int64.self) ?? 0
                    return VacuumReport(bytesBefore: before, bytesAfter: after, fileShrunk: after < before)
                }
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// `PRAGMA integrity_check`'s lines; `["ok"]` for a sound file. SQLite's own check; nil on
    /// PostgreSQL, which checks its pages itself (data checksums) and has no such command.
    package func integrityCheck() throws(CentralError) -> [String]? {
        do {
            switch database.backend {
            case .sqlite(let pool):
                return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            case .postgres: return nil
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}
