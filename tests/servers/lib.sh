# Common settings for the tests/servers scripts. Sourced, not executed.
# shellcheck shell=bash

SERVERS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVERS_SRC/../.." && pwd)
D=${KONTOR_SERVERS_DIR:-$REPO_ROOT/.servers}
export KONTOR_SERVERS_DIR=$D

# Ports (all on 127.0.0.1).
PG_PORT=55432
MEMCACHED_PORT=55211
IMAP_PORT=55143
SMTP_PORT=55025
SOGO_PORT=20000
RADICALE_PORT=55232

PG_BIN=/usr/lib/postgresql/15/bin
PG_DB_PASSWORD=sogo
SOGO_WORKERS=${KONTOR_SOGO_WORKERS:-10}
PY=/usr/bin/python3

USERS=(alice bob carol)
declare -A PASSWORDS=([alice]=alice123 [bob]=bob123 [carol]=carol123)
declare -A FULLNAMES=([alice]="Alice Archer" [bob]="Bob Baker" [carol]="Carol Cooper")
MAIL_DOMAIN=kontor.test

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# as USER CMD...: run CMD as USER with a clean, minimal environment (exec, no extra parent).
as() {
  local user=$1; shift
  setpriv --reuid="$user" --regid="$user" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$D" "$@"
}

# pid_alive FILE [EXPECT]: true when FILE names a running process (whose command line contains
# EXPECT, so a stale pid file that now names an unrelated process is not taken for ours).
pid_alive() {
  local f=$1 expect=${2:-} pid
  [[ -s $f ]] || return 1
  pid=$(head -n1 "$f" | tr -dc '0-9')
  [[ -n $pid ]] && running "$pid" || return 1
  [[ -z $expect ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$expect"
}

# running PID: the process exists and is not a zombie (waiting to be reaped by its parent).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $state && $state != Z* ]]
}

pid_of() { head -n1 "$1" | tr -dc '0-9'; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT NAME [SECONDS]
wait_port() {
  local port=$1 name=$2 secs=${3:-60} i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" && return 0
    sleep 0.1
  done
  die "$name did not open 127.0.0.1:$port within ${secs}s (logs: $D/logs/)"
}

# descendants PID: PID's children, grandchildren, ... (one per line).
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

# kill_pidfile FILE NAME EXPECT [GRACE_SECONDS]: stop the process named in FILE (if its command
# line contains EXPECT) and its descendants: SIGTERM first, SIGKILL for whatever is still alive
# after the grace period.
kill_pidfile() {
  local f=$1 name=$2 expect=$3 grace=${4:-10} pid pids i alive p
  if ! pid_alive "$f" "$expect"; then
    rm -f "$f"
    return 0
  fi
  pid=$(pid_of "$f")
  pids="$pid $(descendants "$pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    alive=""
    for p in $pids; do running "$p" && alive+="$p "; done
    [[ -z $alive ]] && break
    sleep 0.1
  done
  if [[ -n $alive ]]; then
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null || true
    log "$name: killed after ${grace}s grace ($alive)"
  fi
  rm -f "$f"
  log "$name: stopped"
}

# install_if_changed NEW TARGET: move NEW over TARGET when they differ; true if TARGET changed.
install_if_changed() {
  if [[ -f $2 ]] && cmp -s "$1" "$2"; then
    rm -f "$1"
    return 1
  fi
  mv "$1" "$2"
}
