#!/usr/bin/env bash
# `make run-postgres`: central on PostgreSQL, served by two `kct central serve` processes behind
# nginx (examples/central-postgres/nginx.conf), with two workstations syncing through nginx.
# Everything lives under ./var/central-postgres (only that directory is removed and recreated):
# a private PostgreSQL server on a free port (set KCT_POSTGRES_URL=postgres://… to use an
# existing, empty database instead), central's processes on 127.0.0.1:8711 and :8712, nginx on
# 127.0.0.1:8700, W1's web app on 127.0.0.1:8701. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/lib.sh

DIR="$PWD/var/central-postgres"
W1="$DIR/W1"
W2="$DIR/W2"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
rm -rf "$DIR"
mkdir -p "$DIR"

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_everything() {
  stop_all
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  [ -n "${pg_pid:-}" ] && kill -INT "$pg_pid" 2>/dev/null && wait "$pg_pid" 2>/dev/null || true
}
trap stop_everything EXIT
trap 'echo; echo "stopping…"; exit 0' INT TERM

if [ -z "${KCT_POSTGRES_URL:-}" ]; then
  bold "PostgreSQL: a private server in $DIR/pg"
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql; make run-postgres does)" >&2; exit 1; }
  mkdir -p "$DIR/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg"
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_postgres "$PG_BIN/initdb" -D "$DIR/pg/data" -U postgres -A trust >"$DIR/pg/initdb.log"
  as_postgres "$PG_BIN/postgres" -D "$DIR/pg/data" -p "$pg_port" -k "$DIR/pg" -c listen_addresses=127.0.0.1 \
    >"$DIR/pg/server.log" 2>&1 &
  pg_pid=$!
  wait_until "PostgreSQL to accept connections" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$pg_port"
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres kct
  KCT_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/kct"
fi
DB="$KCT_POSTGRES_URL"

bold "central: tables in PostgreSQL, staff accounts, workstations W1 and W2"
"$KCT" central init --db "$DB"
add_central_user "$DB" admin@kct.example "Ada Admin" admin
add_central_user "$DB" ana@kct.example "Ana Tailor" processor
token_w1=$("$KCT" central add-node --db "$DB" --name W1 --shop S01 | sed -n 's/^token: //p')
token_w2=$("$KCT" central add-node --db "$DB" --name W2 --shop S01 | sed -n 's/^token: //p')

bold "two central processes on the same database, nginx in front"
start_server central1 "$DIR" "central listening on" central serve --db "$DB" --listen 127.0.0.1:8711
start_server central2 "$DIR" "central listening on" central serve --db "$DB" --listen 127.0.0.1:8712
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light; make run-postgres does)" >&2; exit 1; }
mkdir -p "$DIR/nginx"
cp examples/central-postgres/nginx.conf "$DIR/nginx/"
chmod -R a+rwX "$DIR/nginx"   # worker processes may run as nobody
nginx -p "$DIR/nginx" -e error.log -c nginx.conf &
nginx_pid=$!
central_url=http://127.0.0.1:8700
wait_until "nginx to answer" curl -sf -o /dev/null "$central_url/healthz"

bold "W1 and W2: replicas joined through nginx; W1 edits, W2 receives"
step "$W1" init --name W1 --shop S01 --central "$central_url" --token "$token_w1"
step "$W2" init --name W2 --shop S01 --central "$central_url" --token "$token_w2"
login "$W1" ana@kct.example
login "$W2" ana@kct.example
KCT_DATA_DIR="$W1" start_server W1 "$DIR" "node listening on" node run --listen 127.0.0.1:8701
KCT_DATA_DIR="$W2" start_server W2 "$DIR" "node listening on" node run --listen 127.0.0.1:8702
step "$W1" orders create --from-json examples/orders.json
w2_has_orders() { [ "$(KCT_DATA_DIR="$W2" "$KCT" orders list --json | grep -c '"order_number"')" -gt 0 ]; }
wait_until "W2 to receive W1's orders" w2_has_orders
step "$W2" orders list

cat <<TEXT

Running (logs in $DIR/*.log):
  central               $central_url (nginx) → 127.0.0.1:8711 and 127.0.0.1:8712, database $DB
  W1 staff web app      $url_W1/      (ana@kct.example, password "$DEMO_PASSWORD")
  W2 staff web app      $url_W2/
Try: kill -9 $pid_central1 (one central process); edits keep syncing through the other.

Ctrl-C stops everything.
TEXT
while kill -0 "$pid_W1" 2>/dev/null && kill -0 "$pid_W2" 2>/dev/null; do sleep 1; done
echo "a workstation exited on its own; see $DIR/*.log" >&2
exit 1
