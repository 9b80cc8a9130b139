#ifndef KCT_CSQLITE_SHIM_H
#define KCT_CSQLITE_SHIM_H
// The raw SQLite API, used where a benchmark needs a baseline with no wrapper in between and for
// process-wide settings GRDB does not expose. Application code reaches SQLite through GRDB;
// never mix this module's handles with GRDB's.
#include <sqlite3.h>
#include <malloc.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type kct_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_config is variadic; Swift cannot call it. Statement journals (the undo log of one
// statement inside a transaction) are kept in memory up to `bytes`, then spilled to a temporary
// file; a negative value keeps them in memory. Only allowed before SQLite initialises: returns
// SQLITE_MISUSE after the first connection of the process was opened.
static inline int kct_sqlite_config_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}

// glibc's <malloc.h> is not part of Swift's Glibc module. Sets how much free memory a heap keeps
// at its top before glibc returns it to the kernel (SQLite's write path frees and reallocates
// the same blocks every statement; see Store's ProcessTuning). Returns 1 on success.
static inline int kct_malloc_set_trim_threshold(int bytes) {
    return mallopt(M_TRIM_THRESHOLD, bytes);
}

// Caps how many malloc arenas glibc may create (by default up to 8 per core, one per thread
// that allocates while another holds an arena). Returns 1 on success.
static inline int kct_malloc_set_arena_max(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}

// Returns the free memory of every malloc arena to the kernel, from the middle of a heap too
// (free() gives back only a heap's top, past the trim threshold): what an idle node daemon still
// holds of its last work's buffers (Store's ProcessTuning.releaseIdleMemory). Returns 1 if
// memory was released.
static inline int kct_malloc_trim(void) {
    return malloc_trim(0);
}

#endif
