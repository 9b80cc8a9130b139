#!/usr/bin/env bash
# Offline/reconnect demo: central and two workstations (W1, W2) under ./var/two-workstations.
# Both edit while central is down — including the same field of the same order — then central
# comes back on the same database and address, both converge, and the losing edit shows up in
# its workstation's conflicts list. Each workstation has its own signed-in member of staff
# (accounts made at central). Everything is stopped at the end (or on Ctrl-C).
# Only ./var/two-workstations is ever removed and recreated.
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/lib.sh

DIR="$PWD/var/two-workstations"
CENTRAL_DB="$DIR/central.sqlite"
W1="$DIR/W1"
W2="$DIR/W2"

rm -rf "$DIR"
mkdir -p "$DIR"
trap stop_all EXIT
trap 'exit 130' INT TERM

pending() { KCT_DATA_DIR="$1" "$KCT" sync status --json | json_number pending; }
nothing_pending() { [ "$(pending "$W1")" = 0 ] && [ "$(pending "$W2")" = 0 ]; }
# Every order in full, minus updated_at (when this replica last re-projected the order; not synced).
orders_json() { KCT_DATA_DIR="$1" "$KCT" orders list --json --limit 100000 | grep -v '"updated_at"'; }
same_orders() { [ "$(orders_json "$W1")" = "$(orders_json "$W2")" ]; }
converged() { nothing_pending && same_orders; }

bold "central on a free port; staff accounts; W1 and W2 registered, joined and signed in"
"$KCT" central init --db "$CENTRAL_DB"
add_central_user "$CENTRAL_DB" maria@kct.example "Maria Manager" manager
add_central_user "$CENTRAL_DB" ana@kct.example "Ana Tailor" processor
token_w1=$("$KCT" central add-node --db "$CENTRAL_DB" --name W1 --shop S01 | sed -n 's/^token: //p')
token_w2=$("$KCT" central add-node --db "$CENTRAL_DB" --name W2 --shop S01 | sed -n 's/^token: //p')
start_server central "$DIR" "central listening on" central serve --db "$CENTRAL_DB" --listen 127.0.0.1:0
central_url="$url_central"
echo "central listening on $central_url"
step "$W1" init --name W1 --shop S01 --central "$central_url" --token "$token_w1"
step "$W2" init --name W2 --shop S01 --central "$central_url" --token "$token_w2"
login "$W1" ana@kct.example
login "$W2" maria@kct.example
KCT_DATA_DIR="$W1" start_server W1 "$DIR" "node listening on" node run --listen 127.0.0.1:0
KCT_DATA_DIR="$W2" start_server W2 "$DIR" "node listening on" node run --listen 127.0.0.1:0
echo "W1 local API on $url_W1, W2 local API on $url_W2"

bold "online: orders made on W1 reach W2"
step "$W1" orders create --from-json examples/orders.json
wait_until "W1 and W2 to converge" converged
step "$W2" orders list

bold "central goes down; both workstations keep working"
stop_server "$pid_central"
step "$W1" orders update S01-W1-000002 --notes "W1: customer will pick up on Friday"
sleep 0.05  # so W2's edit is the later one (last writer wins by hybrid clock)
step "$W2" orders update S01-W1-000002 --notes "W2: customer asked for delivery instead"
step "$W2" orders status S01-W1-000003 payment_confirmed --note "paid by phone while offline"
step "$W1" orders create --customer "Offline Walk-in" --email walkin@example.com --item 'name=Belt,qty=1,price=45.00'
step "$W1" sync status
step "$W2" sync status
step "$W1" orders show S01-W1-000002
step "$W2" orders show S01-W1-000002

bold "central comes back on the same database and address"
start_server central "$DIR" "central listening on" central serve --db "$CENTRAL_DB" --listen "${central_url#http://}"
wait_until "W1 and W2 to converge" converged
step "$W1" sync status
step "$W2" sync status
echo
echo "W1 and W2 now hold the same orders (kct orders list --json is identical on both but for updated_at)."
step "$W1" orders show S01-W1-000002
step "$W2" orders show S01-W1-000003

bold "the edit that lost is listed on the workstation that made it"
step "$W1" conflicts list
step "$W2" conflicts list
echo
echo "Re-apply a lost edit with: KCT_DATA_DIR=$W1 $KCT conflicts reapply ID   (or dismiss ID)"
