// Thin wrappers over SQLite's session extension; kct_sqlite_session.h says why they exist.
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
#include <stddef.h>

#include "kct_sqlite_session.h"

int kct_session_create(sqlite3 *db, sqlite3_session **session) {
    return sqlite3session_create(db, "main", session);
}

int kct_session_attach(sqlite3_session *session, const char *table) {
    return sqlite3session_attach(session, table);
}

int kct_session_changeset(sqlite3_session *session, int *size, void **changeset) {
    return sqlite3session_changeset(session, size, changeset);
}

void kct_session_delete(sqlite3_session *session) { sqlite3session_delete(session); }

// The peer applies into a database holding none of its rows: a conflict is a broken bench.
static int abort_on_conflict(void *context, int conflict, sqlite3_changeset_iter *iterator) {
    (void)context;
    (void)conflict;
    (void)iterator;
    return SQLITE_CHANGESET_ABORT;
}

int kct_changeset_apply(sqlite3 *db, int size, void *changeset) {
    return sqlite3changeset_apply(db, size, changeset, NULL, abort_on_conflict, NULL);
}
