// "kct-unix": SQLite's unix VFS with the WAL's frame writes coalesced.
//
// WHY. SQLite writes each WAL frame as two writes (its 24-byte header, then the page), each one
// pwrite() through the unix VFS: a created order commits ~27 frames, ~54 system calls before the
// fdatasync. Here, writes to a WAL file that continue exactly where the previous one ended are
// appended to a buffer owned by that file object, and the buffer goes to the file in ONE write
// (the unix VFS's xWrite, i.e. pwrite) at the end of the transaction. Everything else, and every
// file that is not a WAL, passes straight through to the VFS that was the default at
// registration.
//
// WHEN THE BUFFER IS WRITTEN ("flushed").
// - By the write that completes a commit frame. A frame header is the only 24-byte write SQLite
//   makes to a WAL, and bytes 4..7 of a commit frame's header hold the database size after the
//   commit, non-zero (https://www.sqlite.org/fileformat2.html#walformat). When such a header is
//   appended, the next write (the commit frame's page) is appended and then the whole buffer is
//   written before that xWrite returns. So a transaction's frames reach the file inside
//   sqlite3WalFrames, as with the stock VFS: its write error is that xWrite's result, and SQLite
//   abandons the transaction as it would after a failed pwrite (see ERRORS).
// - Before anything that reads, measures, syncs, truncates or closes the WAL (xRead, xFileSize,
//   xSync, xTruncate, xFileControl, xClose), so the file looks exactly as if nothing were buffered.
// - Before a write that does not continue the buffer (SQLite overwriting a frame in place,
//   restarting the WAL at offset 0), which keeps the writes in their original order.
// - When the next write would take the buffer past BUFFER_CAP, 128 KiB - 1: the unix VFS's xWrite
//   cannot write more at once (its seekAndWriteFd masks the size with 0x1ffff, so a larger write
//   would come back short as SQLITE_FULL). A created order (~27 frames of 4 KiB, ~111 KB) is one
//   write; a big pull-merge transaction (or a cache spill, which writes frames without a commit
//   frame) is one write per ~31 frames, and a WAL never holds more than 128 KiB.
// - Before the wal-index is touched: xShmLock and xShmBarrier (and xLock/xUnlock) on the
//   DATABASE file flush its WAL's buffer. SQLite publishes a commit by writing the wal-index
//   header's second copy, calling xShmBarrier, then writing the first copy; readers accept a
//   header only when both copies agree. The commit-frame rule above normally leaves nothing to
//   flush here; this is the guarantee that does not depend on recognising frame headers. The two
//   files are linked at the WAL's xOpen: sqlite3_database_file_object(WAL name) is the database's
//   sqlite3_file, which is this VFS's KctFile (checked by its methods pointer). A WAL whose
//   database file is not ours is never buffered.
//
// WHY NO OTHER CONNECTION OR PROCESS CAN READ A FRAME THAT IS ONLY IN A BUFFER. Readers (other
// connections, other processes, the checkpointer) read only frames up to the mxFrame of a
// wal-index header that the writer published. The writer publishes a header only after the
// commit frame's xWrite returned, i.e. after the flush above, and again flushes at xShmBarrier
// before the header's first copy is written. The one reader that reads past mxFrame, WAL
// recovery, needs the WAL write lock, which the writer holds for the whole write transaction and
// releases through xShmLock on the database file, which flushes first. The writer's own reads of
// the WAL (cache misses, checkpoints it runs itself) go through xRead, which flushes first.
//
// WHY A CRASH LOSES NOTHING REPORTED COMMITTED. A commit returns only after sqlite3WalFrames
// returned SQLITE_OK, which needs the commit frame's xWrite to return SQLITE_OK, which here means
// every frame of the transaction was written to the file (the buffer holds one contiguous run
// ending with the commit frame; anything before it was written earlier or by this flush). From
// then on the bytes are in the kernel exactly as after the stock VFS's pwrite()s: a killed process
// loses nothing, and with synchronous=FULL the xSync that follows (which flushes first anyway)
// makes them durable across power loss. A crash with frames still buffered can only lose frames of
// a transaction that had not committed, which recovery ignores just as it ignores a torn tail.
//
// ERRORS. A failed flush returns the unix VFS's error (SQLITE_IOERR_WRITE, SQLITE_FULL) as the
// result of the call that flushed (xWrite, xSync, xRead, xFileSize, xTruncate, xFileControl,
// xClose), and the buffered bytes are dropped, as a failed pwrite drops them; SQLite then rolls
// the transaction back (its frames are never published) exactly as after a failed write with the
// stock VFS. A flush forced from the database file (xShmLock, xShmBarrier, xLock, xUnlock) cannot
// return its error there (xShmBarrier returns nothing; SQLite ignores unlock results), so it is
// kept and returned by the WAL file's next call.
//
// THREADS. SQLite calls a file's methods only under its connection's mutex, and a WAL file and its
// database file belong to the same connection (the same pager), so the buffer and the link need
// no lock. Watches (test instrumentation) are shared: a mutex guards their list, and their
// counters are atomics.
#include "kct_sqlite_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/// Largest buffer a WAL file keeps (bytes): the largest write the unix VFS's xWrite accepts.
#define BUFFER_CAP ((size_t)0x1ffff)
/// Sizes from SQLite's WAL file format.
#define WAL_HEADER_SIZE 32
#define WAL_FRAME_HEADER_SIZE 24

struct kct_vfs_watch {
    char *suffix;
    /// One for the watch list (until kct_vfs_watch_stop) and one per open file that counts here.
    atomic_int references;
    atomic_int failures_to_inject;
    atomic_uint_least64_t buffered_writes;
    atomic_uint_least64_t flushes;
    atomic_uint_least64_t flushes_forced_by_database;
    atomic_uint_least64_t failed_flushes;
    kct_vfs_watch *next;
};

static pthread_mutex_t watches_mutex = PTHREAD_MUTEX_INITIALIZER;
static kct_vfs_watch *watches = NULL;

typedef struct KctFile KctFile;
struct KctFile {
    /// pMethods is &kct_io_methods once the underlying file is open.
    sqlite3_file base;
    /// The underlying VFS's file, allocated right after this struct (see kct_vfs.szOsFile).
    sqlite3_file *real;
    /// On a database file: its WAL while open. On a WAL: its database file.
    KctFile *wal;
    KctFile *database;
    /// The watch counting this file's WAL writes, or NULL.
    kct_vfs_watch *watch;
    /// A WAL linked to its database file: its writes are buffered.
    bool buffers_writes;
    /// The next write completes a commit frame: flush after appending it.
    bool flush_after_next_write;
    /// Error of a flush forced from the database file, returned by this WAL's next call.
    int deferred_error;
    /// BUFFER_CAP bytes once allocated.
    unsigned char *buffer;
    size_t length;
    /// File offset of buffer[0].
    sqlite3_int64 offset;
};

/// Offset of the underlying file inside the allocation SQLite makes for a KctFile.
#define REAL_FILE_OFFSET ((sizeof(KctFile) + 7) & ~(size_t)7)

static sqlite3_vfs kct_vfs;
static const sqlite3_io_methods kct_io_methods;

static sqlite3_vfs *base_vfs(sqlite3_vfs *vfs) { return (sqlite3_vfs *)vfs->pAppData; }

// MARK: Watches

static void watch_release(kct_vfs_watch *watch) {
    if (watch != NULL && atomic_fetch_sub(&watch->references, 1) == 1) {
        free(watch->suffix);
        free(watch);
    }
}

/// The watch whose suffix ends `path`, retained, or NULL.
static kct_vfs_watch *watch_for_path(const char *path) {
    if (path == NULL) return NULL;
    size_t path_length = strlen(path);
    kct_vfs_watch *found = NULL;
    pthread_mutex_lock(&watches_mutex);
    for (kct_vfs_watch *watch = watches; watch != NULL; watch = watch->next) {
        size_t suffix_length = strlen(watch->suffix);
        if (suffix_length <= path_length && strcmp(path + path_length - suffix_length, watch->suffix) == 0) {
            atomic_fetch_add(&watch->references, 1);
            found = watch;
            break;
        }
    }
    pthread_mutex_unlock(&watches_mutex);
    return found;
}

/// Whether an injected failure is pending for this flush (and consumes it).
static bool watch_takes_failure(kct_vfs_watch *watch) {
    if (watch == NULL) return false;
    int pending = atomic_load(&watch->failures_to_inject);
    while (pending > 0) {
        if (atomic_compare_exchange_weak(&watch->failures_to_inject, &pending, pending - 1)) return true;
    }
    return false;
}

/// Adds one to a watch's counter when the file has a watch.
#define WATCH_COUNT(watch, counter) \
    do { \
        if ((watch) != NULL) atomic_fetch_add_explicit(&(watch)->counter, 1, memory_order_relaxed); \
    } while (0)

kct_vfs_watch *kct_vfs_watch_start(const char *path_suffix) {
    kct_vfs_watch *watch = calloc(1, sizeof *watch);
    if (watch == NULL) return NULL;
    size_t size = strlen(path_suffix) + 1;
    watch->suffix = malloc(size);
    if (watch->suffix == NULL) {
        free(watch);
        return NULL;
    }
    memcpy(watch->suffix, path_suffix, size);
    atomic_init(&watch->references, 1);
    pthread_mutex_lock(&watches_mutex);
    watch->next = watches;
    watches = watch;
    pthread_mutex_unlock(&watches_mutex);
    return watch;
}

void kct_vfs_watch_stop(kct_vfs_watch *watch) {
    pthread_mutex_lock(&watches_mutex);
    for (kct_vfs_watch **link = &watches; *link != NULL; link = &(*link)->next) {
        if (*link == watch) {
            *link = watch->next;
            break;
        }
    }
    pthread_mutex_unlock(&watches_mutex);
    watch_release(watch);
}

kct_vfs_stats kct_vfs_watch_stats(const kct_vfs_watch *watch) {
    kct_vfs_watch *counters = (kct_vfs_watch *)watch;  // atomic_load takes non-const pointers
    return (kct_vfs_stats){
        .buffered_writes = atomic_load(&counters->buffered_writes),
        .flushes = atomic_load(&counters->flushes),
        .flushes_forced_by_database = atomic_load(&counters->flushes_forced_by_database),
        .failed_flushes = atomic_load(&counters->failed_flushes),
    };
}

void kct_vfs_watch_fail_flushes(kct_vfs_watch *watch, int count) { atomic_store(&watch->failures_to_inject, count); }

// MARK: The WAL buffer

/// Writes the buffer with one write of the underlying file and empties it, even when the write
/// failed (its bytes are then lost, as a failed pwrite's are; the caller reports the error).
static int flush(KctFile *file) {
    if (file->length == 0) return SQLITE_OK;
    int rc = watch_takes_failure(file->watch)
        ? SQLITE_IOERR_WRITE
        : file->real->pMethods->xWrite(file->real, file->buffer, (int)file->length, file->offset);
    file->length = 0;
    WATCH_COUNT(file->watch, flushes);
    if (rc != SQLITE_OK) WATCH_COUNT(file->watch, failed_flushes);
    return rc;
}

/// Before a WAL call that must see the file as written: returns a deferred error, else flushes.
static int settle(KctFile *file) {
    if (file->deferred_error != SQLITE_OK) {
        int rc = file->deferred_error;
        file->deferred_error = SQLITE_OK;
        return rc;
    }
    return flush(file);
}

/// A call on a database file that may precede SQLite touching the wal-index: flush its WAL.
static void flush_wal_of_database(KctFile *database) {
    KctFile *wal = database->wal;
    if (wal == NULL || wal->length == 0) return;
    WATCH_COUNT(wal->watch, flushes_forced_by_database);
    int rc = flush(wal);
    if (rc != SQLITE_OK && wal->deferred_error == SQLITE_OK) wal->deferred_error = rc;
}

/// Allocates the buffer on the file's first buffered write; false when memory is short (the
/// caller then writes through).
static bool has_buffer(KctFile *file) {
    if (file->buffer == NULL) file->buffer = malloc(BUFFER_CAP);
    return file->buffer != NULL;
}

/// A frame header whose "database size after commit" field is set (big-endian bytes 4..7).
static bool is_commit_frame_header(const void *data, int amount, sqlite3_int64 offset) {
    if (amount != WAL_FRAME_HEADER_SIZE || offset < WAL_HEADER_SIZE) return false;
    const unsigned char *bytes = data;
    return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

static int wal_write(KctFile *file, const void *data, int amount, sqlite3_int64 offset) {
    int rc = SQLITE_OK;
    if (file->deferred_error != SQLITE_OK) return settle(file);
    bool ends_commit_frame = file->flush_after_next_write;
    file->flush_after_next_write = is_commit_frame_header(data, amount, offset);
    size_t size = (size_t)amount;
    bool continues = file->length > 0 && offset == file->offset + (sqlite3_int64)file->length;
    if (file->length > 0 && (!continues || file->length + size > BUFFER_CAP)) {
        rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (size > BUFFER_CAP || !has_buffer(file)) {
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->length == 0) file->offset = offset;
    memcpy(file->buffer + file->length, data, size);
    file->length += size;
    WATCH_COUNT(file->watch, buffered_writes);
    return ends_commit_frame ? flush(file) : SQLITE_OK;
}

// MARK: I/O methods

static KctFile *kct(sqlite3_file *file) { return (KctFile *)file; }

static int kct_close(sqlite3_file *file) {
    KctFile *self = kct(file);
    // Also returns a deferred error of a WAL whose database file closed first.
    int rc = settle(self);
    if (self->database != NULL) self->database->wal = NULL;
    if (self->wal != NULL) {
        // The database closing before its WAL (SQLite closes the WAL first): the WAL loses the
        // wal-index guard, so it writes what it holds and buffers no more.
        flush_wal_of_database(self);
        self->wal->database = NULL;
        self->wal->buffers_writes = false;
    }
    int close_rc = self->real->pMethods->xClose(self->real);
    free(self->buffer);
    self->buffer = NULL;
    watch_release(self->watch);
    self->watch = NULL;
    return rc != SQLITE_OK ? rc : close_rc;
}

static int kct_read(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    KctFile *self = kct(file);
    if (self->buffers_writes) {
        int rc = settle(self);
        if (rc != SQLITE_OK) return rc;
    }
    return self->real->pMethods->xRead(self->real, data, amount, offset);
}

static int kct_write(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    KctFile *self = kct(file);
    if (self->buffers_writes) return wal_write(self, data, amount, offset);
    return self->real->pMethods->xWrite(self->real, data, amount, offset);
}

static int kct_truncate(sqlite3_file *file, sqlite3_int64 size) {
    KctFile *self = kct(file);
    if (self->buffers_writes) {
        int rc = settle(self);
        if (rc != SQLITE_OK) return rc;
    }
    return self->real->pMethods->xTruncate(self->real, size);
}

static int kct_sync(sqlite3_file *file, int flags) {
    KctFile *self = kct(file);
    if (self->buffers_writes) {
        int rc = settle(self);
        if (rc != SQLITE_OK) return rc;
    }
    return self->real->pMethods->xSync(self->real, flags);
}

static int kct_file_size(sqlite3_file *file, sqlite3_int64 *size) {
    KctFile *self = kct(file);
    if (self->buffers_writes) {
        int rc = settle(self);
        if (rc != SQLITE_OK) return rc;
    }
    return self->real->pMethods->xFileSize(self->real, size);
}

static int kct_lock(sqlite3_file *file, int level) {
    flush_wal_of_database(kct(file));
    return kct(file)->real->pMethods->xLock(kct(file)->real, level);
}

static int kct_unlock(sqlite3_file *file, int level) {
    flush_wal_of_database(kct(file));
    return kct(file)->real->pMethods->xUnlock(kct(file)->real, level);
}

static int kct_check_reserved_lock(sqlite3_file *file, int *reserved) {
    return kct(file)->real->pMethods->xCheckReservedLock(kct(file)->real, reserved);
}

static int kct_file_control(sqlite3_file *file, int op, void *argument) {
    KctFile *self = kct(file);
    if (self->buffers_writes) {
        int rc = settle(self);
        if (rc != SQLITE_OK) return rc;
    }
    return self->real->pMethods->xFileControl(self->real, op, argument);
}

static int kct_sector_size(sqlite3_file *file) {
    return kct(file)->real->pMethods->xSectorSize(kct(file)->real);
}

static int kct_device_characteristics(sqlite3_file *file) {
    return kct(file)->real->pMethods->xDeviceCharacteristics(kct(file)->real);
}

// Shared memory (io methods version 2) and memory mapping (version 3) exist only when the
// underlying file has them; the unix VFS's files do.

static int kct_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **memory) {
    sqlite3_file *real = kct(file)->real;
    if (real->pMethods->iVersion < 2 || real->pMethods->xShmMap == NULL) return SQLITE_IOERR_SHMMAP;
    return real->pMethods->xShmMap(real, region, size, extend, memory);
}

static int kct_shm_lock(sqlite3_file *file, int offset, int count, int flags) {
    sqlite3_file *real = kct(file)->real;
    if (real->pMethods->iVersion < 2 || real->pMethods->xShmLock == NULL) return SQLITE_IOERR_SHMLOCK;
    flush_wal_of_database(kct(file));
    return real->pMethods->xShmLock(real, offset, count, flags);
}

static void kct_shm_barrier(sqlite3_file *file) {
    sqlite3_file *real = kct(file)->real;
    flush_wal_of_database(kct(file));
    if (real->pMethods->iVersion >= 2 && real->pMethods->xShmBarrier != NULL) real->pMethods->xShmBarrier(real);
}

static int kct_shm_unmap(sqlite3_file *file, int delete_flag) {
    sqlite3_file *real = kct(file)->real;
    if (real->pMethods->iVersion < 2 || real->pMethods->xShmUnmap == NULL) return SQLITE_OK;
    return real->pMethods->xShmUnmap(real, delete_flag);
}

static int kct_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **pointer) {
    sqlite3_file *real = kct(file)->real;
    if (real->pMethods->iVersion < 3 || real->pMethods->xFetch == NULL) {
        *pointer = NULL;  // "no mapping": SQLite reads with xRead instead
        return SQLITE_OK;
    }
    return real->pMethods->xFetch(real, offset, amount, pointer);
}

static int kct_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    sqlite3_file *real = kct(file)->real;
    if (real->pMethods->iVersion < 3 || real->pMethods->xUnfetch == NULL) return SQLITE_OK;
    return real->pMethods->xUnfetch(real, offset, pointer);
}

static const sqlite3_io_methods kct_io_methods = {
    .iVersion = 3,
    .xClose = kct_close,
    .xRead = kct_read,
    .xWrite = kct_write,
    .xTruncate = kct_truncate,
    .xSync = kct_sync,
    .xFileSize = kct_file_size,
    .xLock = kct_lock,
    .xUnlock = kct_unlock,
    .xCheckReservedLock = kct_check_reserved_lock,
    .xFileControl = kct_file_control,
    .xSectorSize = kct_sector_size,
    .xDeviceCharacteristics = kct_device_characteristics,
    .xShmMap = kct_shm_map,
    .xShmLock = kct_shm_lock,
    .xShmBarrier = kct_shm_barrier,
    .xShmUnmap = kct_shm_unmap,
    .xFetch = kct_fetch,
    .xUnfetch = kct_unfetch,
};

// MARK: VFS methods

static int kct_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags) {
    KctFile *self = kct(file);
    memset(self, 0, sizeof *self);
    self->real = (sqlite3_file *)((char *)self + REAL_FILE_OFFSET);
    sqlite3_vfs *base = base_vfs(vfs);
    int rc = base->xOpen(base, name, self->real, flags, out_flags);
    // SQLite calls xClose exactly when pMethods is set, even after a failed open: mirror the
    // underlying file so it is closed once, through kct_close.
    if (self->real->pMethods == NULL) return rc;
    self->base.pMethods = &kct_io_methods;
    if (flags & SQLITE_OPEN_MAIN_DB) self->watch = watch_for_path(name);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name != NULL) {
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (database != NULL && database->pMethods == &kct_io_methods) {
            self->database = kct(database);
            self->database->wal = self;
            self->buffers_writes = true;
            self->watch = self->database->watch;
            if (self->watch != NULL) atomic_fetch_add(&self->watch->references, 1);
        }
    }
    return rc;
}

static int kct_delete(sqlite3_vfs *vfs, const char *name, int sync_directory) {
    return base_vfs(vfs)->xDelete(base_vfs(vfs), name, sync_directory);
}

static int kct_access(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    return base_vfs(vfs)->xAccess(base_vfs(vfs), name, flags, result);
}

static int kct_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    return base_vfs(vfs)->xFullPathname(base_vfs(vfs), name, size, output);
}

static void *kct_dl_open(sqlite3_vfs *vfs, const char *name) { return base_vfs(vfs)->xDlOpen(base_vfs(vfs), name); }

static void kct_dl_error(sqlite3_vfs *vfs, int size, char *message) {
    base_vfs(vfs)->xDlError(base_vfs(vfs), size, message);
}

static void (*kct_dl_sym(sqlite3_vfs *vfs, void *library, const char *symbol))(void) {
    return base_vfs(vfs)->xDlSym(base_vfs(vfs), library, symbol);
}

static void kct_dl_close(sqlite3_vfs *vfs, void *library) { base_vfs(vfs)->xDlClose(base_vfs(vfs), library); }

static int kct_randomness(sqlite3_vfs *vfs, int size, char *output) {
    return base_vfs(vfs)->xRandomness(base_vfs(vfs), size, output);
}

static int kct_sleep(sqlite3_vfs *vfs, int microseconds) { return base_vfs(vfs)->xSleep(base_vfs(vfs), microseconds); }

static int kct_current_time(sqlite3_vfs *vfs, double *now) { return base_vfs(vfs)->xCurrentTime(base_vfs(vfs), now); }

static int kct_get_last_error(sqlite3_vfs *vfs, int size, char *message) {
    return base_vfs(vfs)->xGetLastError(base_vfs(vfs), size, message);
}

static int kct_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    return base_vfs(vfs)->xCurrentTimeInt64(base_vfs(vfs), now);
}

static int kct_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr call) {
    return base_vfs(vfs)->xSetSystemCall(base_vfs(vfs), name, call);
}

static sqlite3_syscall_ptr kct_get_system_call(sqlite3_vfs *vfs, const char *name) {
    return base_vfs(vfs)->xGetSystemCall(base_vfs(vfs), name);
}

static const char *kct_next_system_call(sqlite3_vfs *vfs, const char *name) {
    return base_vfs(vfs)->xNextSystemCall(base_vfs(vfs), name);
}

int kct_vfs_register(void) {
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (base == NULL) return SQLITE_ERROR;
    if (base == &kct_vfs) return SQLITE_OK;  // already registered as the default
    kct_vfs = (sqlite3_vfs){
        .iVersion = base->iVersion < 3 ? base->iVersion : 3,
        .szOsFile = (int)REAL_FILE_OFFSET + base->szOsFile,
        .mxPathname = base->mxPathname,
        .zName = KCT_VFS_NAME,
        .pAppData = base,
        .xOpen = kct_open,
        .xDelete = kct_delete,
        .xAccess = kct_access,
        .xFullPathname = kct_full_pathname,
        .xDlOpen = kct_dl_open,
        .xDlError = kct_dl_error,
        .xDlSym = kct_dl_sym,
        .xDlClose = kct_dl_close,
        .xRandomness = kct_randomness,
        .xSleep = kct_sleep,
        .xCurrentTime = kct_current_time,
        .xGetLastError = kct_get_last_error,
        .xCurrentTimeInt64 = base->iVersion >= 2 ? kct_current_time_int64 : NULL,
        .xSetSystemCall = base->iVersion >= 3 ? kct_set_system_call : NULL,
        .xGetSystemCall = base->iVersion >= 3 ? kct_get_system_call : NULL,
        .xNextSystemCall = base->iVersion >= 3 ? kct_next_system_call : NULL,
    };
    return sqlite3_vfs_register(&kct_vfs, 1);
}
