import CSQLiteVFS
import GRDB

/// The SQLite VFS the replica is opened with: "kct-unix" (the CSQLiteVFS target), SQLite's unix
/// VFS except that each WAL transaction's frames reach the file in one pwrite instead of two per
/// frame (~54 system calls per created order before its fdatasync). Durability and what other
/// connections see are unchanged; kct_sqlite_vfs.c says why.
///
/// It is registered as the process's default VFS, because GRDB opens connections by path with the
/// default VFS: every connection the process opens afterwards uses it, the replica's pool and its
/// checkpointer included. Code that must measure stock SQLite names the "unix" VFS explicitly.
/// Registering initializes SQLite (`sqlite3_vfs_find`), so `ProcessTuning`'s `sqlite3_config`
/// call is made first, here.
enum ReplicaVFS {
    static let name = KCT_VFS_NAME

    /// SQLite's result code of the one registration per process (`static let` runs it once,
    /// thread-safely, on first use), after the settings that must precede SQLite's
    /// initialisation.
    private static let registration: Int32 = {
        ProcessTuning.applyOnce()
        return kct_vfs_register()
    }()

    /// Applies `ProcessTuning` and makes "kct-unix" the default VFS, once per process; later
    /// calls report the first outcome.
    static func registerAsDefault() throws(StoreError) {
        let code = ResultCode(rawValue: registration)
        guard code == .SQLITE_OK else {
            throw .database(
                DatabaseError(
                    resultCode: code, message: "could not register the \(name) SQLite VFS over the default VFS"))
        }
    }
}
