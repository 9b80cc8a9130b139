#ifndef KCT_CSQLITE_SHIM_H
#define KCT_CSQLITE_SHIM_H
// The raw SQLite API, used only where a benchmark needs a baseline with no wrapper in between.
// Application code reaches SQLite through GRDB; never mix this module's handles with GRDB's.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type kct_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
