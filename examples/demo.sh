#!/usr/bin/env bash
# `make run`: a demo replica in ./var/demo built from examples/orders.json, walked through the
# order lifecycle, then its queue, stats and outbox. Until central exists this is all local.
# Only ./var/demo is ever removed and recreated; your own replica (KCT_DATA_DIR) is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

KCT="${KCT:-.build/debug/kct}"
DEMO_DIR="$PWD/var/demo"
export KCT_DATA_DIR="$DEMO_DIR"
export KCT_USER="${KCT_USER:-demo}"

step() { printf '\n\033[1m$ kct %s\033[0m\n' "$*"; "$KCT" "$@"; }

rm -rf "$DEMO_DIR"
step init --name W1 --shop S01
step orders create --from-json examples/orders.json

# The groom has paid and his tuxedo is being made.
step orders status S01-W1-000001 payment_confirmed --note "paid in store"
step orders status S01-W1-000001 processing
step orders status S01-W1-000001 in_production --by tailor-ana
step orders status S01-W1-000001 quality_check --by tailor-ana
step orders status S01-W1-000001 in_production --by qc-ben --note "sleeve 1cm long, rework"
step exceptions open S01-W1-000001 --type wrong_measurement --severity medium --description "sleeve 1cm long"

# The rush order goes all the way.
for status in payment_confirmed processing in_production quality_check packaging shipped out_for_delivery delivered completed; do
  "$KCT" orders status S01-W1-000005 "$status" >/dev/null
done
step orders show S01-W1-000005

# A refused move explains itself and changes nothing.
printf '\n\033[1m$ kct orders status S01-W1-000005 cancelled\033[0m  (refused)\n'
"$KCT" orders status S01-W1-000005 cancelled || true

step orders item add S01-W1-000002 'name=Pocket Square,qty=1,price=25.00,color=burgundy'
step orders list --search okafor
step orders list --priority wedding_party
step queue
step stats
step outbox --limit 8

printf '\nThe demo replica is %s; try: KCT_DATA_DIR=%s %s orders show S01-W1-000001\n' "$DEMO_DIR/replica.sqlite" "$DEMO_DIR" "$KCT"
