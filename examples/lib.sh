# Helpers shared by examples/demo.sh and examples/two-workstations.sh (sourced, not run).
# They start `kct` servers in the background, wait for their one "… listening on URL" line and
# stop them (SIGTERM, then wait) when the script exits, however it exits.

KCT="${KCT:-.build/debug/kct}"
PIDS=()

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# step DIR ARGS…: shows and runs `kct ARGS…` against the replica in DIR.
step() {
  local dir="$1"; shift
  printf '\n\033[1m[%s] $ kct %s\033[0m\n' "$(basename "$dir")" "$*"
  KCT_DATA_DIR="$dir" "$KCT" "$@"
}

# The password of every demo account: for these throwaway demos only.
DEMO_PASSWORD="${DEMO_PASSWORD:-kct demo password}"

# add_central_user DB EMAIL NAME ROLE: creates a staff account at central (password on stdin).
add_central_user() {
  printf '\n\033[1m$ kct central add-user --db %s --email %s --name "%s" --role %s --password-stdin\033[0m\n' "$(basename "$1")" "$2" "$3" "$4"
  printf '%s\n' "$DEMO_PASSWORD" | "$KCT" central add-user --db "$1" --email "$2" --name "$3" --role "$4" --password-stdin
}

# login DIR EMAIL: signs EMAIL in on the replica in DIR (editing commands then act as them).
login() {
  printf '\n\033[1m[%s] $ kct login --email %s --password-stdin\033[0m\n' "$(basename "$1")" "$2"
  printf '%s\n' "$DEMO_PASSWORD" | KCT_DATA_DIR="$1" "$KCT" login --email "$2" --password-stdin
}

# start_server NAME LOGDIR PREFIX ARGS…: starts `kct ARGS…` with stdout in LOGDIR/NAME.out and
# stderr in LOGDIR/NAME.log and waits up to 30 s for the line "PREFIX URL". Sets url_NAME to URL
# and pid_NAME to its pid, and adds the pid to PIDS (stopped by stop_all). Not to be called in
# $(…): the variables must land in the calling shell.
start_server() {
  local name="$1" logdir="$2" prefix="$3"; shift 3
  "$KCT" "$@" >"$logdir/$name.out" 2>>"$logdir/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  printf -v "pid_$name" '%s' "$pid"
  local line
  for _ in $(seq 300); do
    line=$(grep -m1 "^$prefix " "$logdir/$name.out" 2>/dev/null || true)
    if [ -n "$line" ]; then printf -v "url_$name" '%s' "${line#"$prefix "}"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kct $* exited before it was ready; its log ($logdir/$name.log):" >&2
      tail -n 20 "$logdir/$name.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "kct $* printed no '$prefix' line within 30 s" >&2
  return 1
}

# stop_server PID: SIGTERM and wait for it to exit.
stop_server() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  wait "$pid" 2>/dev/null || true
}

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_server "$pid"; done
  PIDS=()
}

# json_number FIELD: the integer value of "FIELD" in the JSON on stdin (no jq needed).
json_number() { grep -o "\"$1\" *: *[0-9-]*" | head -n1 | grep -o '[0-9-]*$'; }

# wait_until DESCRIPTION COMMAND…: runs COMMAND every 0.2 s until it succeeds (up to 60 s).
wait_until() {
  local what="$1"; shift
  for _ in $(seq 300); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  echo "gave up waiting: $what" >&2
  return 1
}
