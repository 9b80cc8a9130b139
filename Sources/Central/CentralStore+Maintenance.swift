import GRDB
import StorageSupport

extension CentralStore {
    /// Rewrites the store compactly (`kct central vacuum`); safe while `kct central serve` serves
    /// it (`DatabaseVacuum` says why). SQLite's own maintenance.
    package func vacuum() throws(CentralError) -> VacuumReport {
        do {
            switch database.backend {
            case .sqlite(let pool): return try DatabaseVacuum.run(pool)
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// `PRAGMA integrity_check`'s lines; `["ok"]` for a sound file. SQLite's own check.
    package func integrityCheck() throws(CentralError) -> [String] {
        do {
            switch database.backend {
            case .sqlite(let pool):
                return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}
