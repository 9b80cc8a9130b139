#ifndef KCT_SQLITE_VFS_H
#define KCT_SQLITE_VFS_H
// "kct-unix": SQLite's unix VFS, except that a WAL file's frames are written with one pwrite per
// transaction instead of two per frame. See kct_sqlite_vfs.c for why this is safe.
#include <stdint.h>

/// Name of the VFS that `kct_vfs_register` registers.
#define KCT_VFS_NAME "kct-unix"

/// Registers "kct-unix" over the VFS that is the default at the time of the call and makes it the
/// default. Returns an SQLite result code: SQLITE_OK, or SQLITE_ERROR when there is no default
/// VFS. Call it once per process, before opening connections that should use it.
int kct_vfs_register(void);

// MARK: Observing one database (tests)
//
// A watch counts what happens to the WAL of databases whose path ends with a given suffix, and can
// make their next flushes fail. Tests run side by side in one process, so counts and injected
// failures are scoped to one database rather than global.

/// What a watch has counted since it started.
typedef struct {
    /// WAL writes appended to a buffer instead of written.
    uint64_t buffered_writes;
    /// Writes of a buffer to the WAL file (each one pwrite through the unix VFS).
    uint64_t flushes;
    /// Flushes forced by a call on the database file (wal-index lock or barrier), which normally
    /// find the buffer already written by the commit frame.
    uint64_t flushes_forced_by_database;
    /// Flushes that failed (injected or real).
    uint64_t failed_flushes;
} kct_vfs_stats;

typedef struct kct_vfs_watch kct_vfs_watch;

/// Starts watching databases opened from now on whose path ends with `path_suffix`. Returns NULL
/// when out of memory.
kct_vfs_watch *kct_vfs_watch_start(const char *path_suffix);
/// Stops the watch and releases it (files still open keep their reference until they close).
void kct_vfs_watch_stop(kct_vfs_watch *watch);
/// The counts so far.
kct_vfs_stats kct_vfs_watch_stats(const kct_vfs_watch *watch);
/// Makes the next `count` flushes fail with SQLITE_IOERR_WRITE, writing nothing, as a full or
/// failing disk would.
void kct_vfs_watch_fail_flushes(kct_vfs_watch *watch, int count);

#endif
