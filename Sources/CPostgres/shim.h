#ifndef KCT_CPOSTGRES_SHIM_H
#define KCT_CPOSTGRES_SHIM_H
// libpq, PostgreSQL's own client library (Debian's libpq-dev). Reached only through the Postgres
// target, which owns every PGconn and PGresult and releases each exactly once.
#include <libpq-fe.h>
#endif
