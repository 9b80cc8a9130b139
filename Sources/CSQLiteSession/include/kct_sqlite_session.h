#ifndef KCT_SQLITE_SESSION_H
#define KCT_SQLITE_SESSION_H
// SQLite's session extension (record a changeset, apply it), for kct-bench's peer of the merge.
// Debian's libsqlite3 exports the API, but <sqlite3.h> declares it only when the including file
// defines SQLITE_ENABLE_SESSION and SQLITE_ENABLE_PREUPDATE_HOOK. Those are defined in
// kct_sqlite_session.c alone, so no module that Swift imports sees a second, different
// <sqlite3.h>; this header names SQLite's types without including it (Swift sees them as
// OpaquePointer, like CSQLite's).

struct sqlite3;
struct sqlite3_session;

/// sqlite3session_create on schema "main" of `db`. On SQLITE_OK `*session` must be released once by
/// kct_session_delete. Returns an SQLite result code.
int kct_session_create(struct sqlite3 *db, struct sqlite3_session **session);

/// sqlite3session_attach: records changes of `table` from now on (a changeset lists its tables in
/// the order they were attached).
int kct_session_attach(struct sqlite3_session *session, const char *table);

/// sqlite3session_changeset: the changes recorded so far. On SQLITE_OK `*changeset` (possibly
/// NULL when nothing was recorded) must be released once by sqlite3_free.
int kct_session_changeset(struct sqlite3_session *session, int *size, void **changeset);

/// sqlite3session_delete.
void kct_session_delete(struct sqlite3_session *session);

/// sqlite3changeset_apply of `changeset` to `db`, in one transaction of its own when none is
/// open; any conflict (there should be none: the target holds none of the rows) aborts the apply
/// and returns SQLITE_ABORT, undoing it.
int kct_changeset_apply(struct sqlite3 *db, int size, void *changeset);

#endif
