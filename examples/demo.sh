#!/usr/bin/env bash
# `make run`: a central and one workstation (W1) under ./var/demo, W1 loaded with
# examples/orders.json and walked through some of the order lifecycle, then both served until
# Ctrl-C. Prints W1's local API address and the commands that start a second workstation (W2,
# already registered at central). Staff accounts are made at central and replicate to W1;
# every edit is made by a signed-in person and allowed by their role (README: Staff, sign-in
# and roles). Only ./var/demo is ever removed and recreated.
# Addresses: CENTRAL_LISTEN (default 127.0.0.1:8700), NODE_LISTEN (default 127.0.0.1:8701).
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/lib.sh

DEMO_DIR="$PWD/var/demo"
CENTRAL_DB="$DEMO_DIR/central.sqlite"
W1="$DEMO_DIR/W1"
CENTRAL_LISTEN="${CENTRAL_LISTEN:-127.0.0.1:8700}"
NODE_LISTEN="${NODE_LISTEN:-127.0.0.1:8701}"

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
trap stop_all EXIT
trap 'echo; echo "stopping central and W1…"; exit 0' INT TERM

bold "central: a new database, staff accounts, workstations W1 and W2 registered"
"$KCT" central init --db "$CENTRAL_DB"
add_central_user "$CENTRAL_DB" admin@kct.example "Ada Admin" admin
add_central_user "$CENTRAL_DB" maria@kct.example "Maria Manager" manager
add_central_user "$CENTRAL_DB" ana@kct.example "Ana Tailor" processor
add_central_user "$CENTRAL_DB" ben@kct.example "Ben QC" processor
token_w1=$("$KCT" central add-node --db "$CENTRAL_DB" --name W1 --shop S01 | sed -n 's/^token: //p')
token_w2=$("$KCT" central add-node --db "$CENTRAL_DB" --name W2 --shop S01 | sed -n 's/^token: //p')
start_server central "$DEMO_DIR" "central listening on" central serve --db "$CENTRAL_DB" --listen "$CENTRAL_LISTEN"
central_url="$url_central"
echo "central listening on $central_url"

bold "W1: a replica joined to central (it fetches the accounts), loaded with examples/orders.json"
step "$W1" init --name W1 --shop S01 --central "$central_url" --token "$token_w1"
step "$W1" whoami || true   # nobody yet: editing would refuse (exit 7)
login "$W1" maria@kct.example
step "$W1" orders create --from-json examples/orders.json
# The groom has paid (a manager confirms payment by hand) and his tuxedo is being made.
step "$W1" orders status S01-W1-000001 payment_confirmed
login "$W1" ana@kct.example
for status in processing in_production quality_check; do
  KCT_DATA_DIR="$W1" "$KCT" orders status S01-W1-000001 "$status" >/dev/null
done
step "$W1" orders priority S01-W1-000001 rush || true   # a processor may not change priorities
# A sleeve needs rework.
login "$W1" ben@kct.example
step "$W1" orders status S01-W1-000001 in_production --note "sleeve 1cm long, rework"
step "$W1" exceptions open S01-W1-000001 --type wrong_measurement --severity medium --description "sleeve 1cm long"
step "$W1" sync status

KCT_DATA_DIR="$W1" start_server W1 "$DEMO_DIR" "node listening on" node run --listen "$NODE_LISTEN"
node_url="$url_W1"
w1_synced() { [ "$(KCT_DATA_DIR="$W1" "$KCT" sync status --json | json_number pending)" = 0 ]; }
wait_until "W1 to push its edits" w1_synced
step "$W1" sync status

cat <<TEXT

Running (logs in $DEMO_DIR/*.log):
  W1 staff web app      $node_url/      open it in a browser; sign in as below
  central               $central_url      (GET /healthz, /metrics)
  W1 local API          $node_url      sign in first:
      curl -s -X POST $node_url/api/session -d '{"email":"ana@kct.example","password":"$DEMO_PASSWORD"}'
      curl -s -H "Authorization: Bearer TOKEN" $node_url/api/orders
  W1 replica            KCT_DATA_DIR=$W1 $KCT orders list      (signed in: ben@kct.example)
  Staff accounts        admin@ (admin), maria@ (manager), ana@ and ben@ (processors) @kct.example,
                        password "$DEMO_PASSWORD"

A second workstation (W2 is registered; its token is printed once, here):
  KCT_DATA_DIR=$DEMO_DIR/W2 $KCT init --name W2 --shop S01 --central $central_url --token $token_w2
  KCT_DATA_DIR=$DEMO_DIR/W2 $KCT login --email ana@kct.example
  KCT_DATA_DIR=$DEMO_DIR/W2 $KCT node run --listen 127.0.0.1:8702
  KCT_DATA_DIR=$DEMO_DIR/W2 $KCT orders list        # W1's orders arrive within a second

Ctrl-C stops central and W1.
TEXT

# Stay in the foreground until Ctrl-C (or until either server exits on its own).
while kill -0 "$pid_central" 2>/dev/null && kill -0 "$pid_W1" 2>/dev/null; do sleep 1; done
echo "a server exited on its own; see $DEMO_DIR/central.log and $DEMO_DIR/W1.log" >&2
exit 1
