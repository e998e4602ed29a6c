# Common settings for the tests/servers scripts. Sourced, not executed.
# shellcheck shell=bash

SERVERS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVERS_SRC/../.." && pwd)
# world_traversable DIR: DIR and all its parents can be entered by any user.
world_traversable() {
  local p=$1 perms
  while :; do
    perms=$(stat -L -c %A -- "$p") || return 1
    [[ ${perms:9:1} == [xt] ]] || return 1
    [[ $p == / ]] && return 0
    p=$(dirname -- "$p")
  done
}

# The services run as their own users, so their data must be reachable for them. When the
# repository sits in a private folder (e.g. /root), the default moves to /var/tmp.
if [[ -n ${KONTOR_SERVERS_DIR:-} ]]; then
  D=$KONTOR_SERVERS_DIR
elif world_traversable "$REPO_ROOT"; then
  D=$REPO_ROOT/.servers
else
  D=/var/tmp/kontor-servers-$(printf '%s' "$REPO_ROOT" | md5sum | cut -c1-8)
fi
D=$(realpath -m -- "$D")
export KONTOR_SERVERS_DIR=$D

# Ports (all on 127.0.0.1).
PG_PORT=55432
MEMCACHED_PORT=55211
IMAP_PORT=55143
SMTP_PORT=55025
SOGO_PORT=20000
RADICALE_PORT=55232
# Z-Push (PHP's built-in server): http://127.0.0.1:55080/Microsoft-Server-ActiveSync
ZPUSH_PORT=55080

PG_BIN=/usr/lib/postgresql/15/bin
PG_DB_PASSWORD=sogo
SOGO_WORKERS=${KONTOR_SOGO_WORKERS:-10}
PY=/usr/bin/python3

# dave…heidi are for the fault and crash tests only (an account per test binary); ivan gets
# the safety corpus (tests/corpus/safety) for the safety E2E test.
USERS=(alice bob carol dave erin frank grace heidi ivan)
declare -A PASSWORDS=([alice]=alice123 [bob]=bob123 [carol]=carol123 [dave]=dave123 [erin]=erin123 [frank]=frank123 [grace]=grace123 [heidi]=heidi123 [ivan]=ivan123)
declare -A FULLNAMES=([alice]="Alice Archer" [bob]="Bob Baker" [carol]="Carol Cooper" [dave]="Dave Decker" [erin]="Erin Engel" [frank]="Frank Fischer" [grace]="Grace Graf" [heidi]="Heidi Hahn" [ivan]="Ivan Imhof")
# The owner of the company directory on Radicale (Z-Push's GAL); a Radicale user only.
DIRECTORY_USER=directory
DIRECTORY_PASSWORD=directory123
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
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

pid_of() { head -n1 "$1" | tr -dc '0-9'; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_free PORT NAME: die when something else already listens on 127.0.0.1:PORT.
port_free() {
  port_open "$1" || return 0
  die "127.0.0.1:$1 (for $2) is already taken by a process this script did not start (a system service from the package, e.g. 'systemctl stop $2', or another data folder's instance)"
}

# lock SCRIPT ARGS...: serialise start/stop runs on the same data folder by re-running the
# script under flock(1). -o keeps the lock's file descriptor out of the script, so the daemons
# it starts do not inherit (and hold) the lock.
lock() {
  [[ -n ${KONTOR_SERVERS_LOCKED:-} ]] && return 0
  export KONTOR_SERVERS_LOCKED=1
  exec flock -o -w 300 -E 75 "$D/.lock" "$@"
}

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
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        q = parent[p]
        while (q != "" && q != 0 && q != 1) {
          if (q == root) { print p; break }
          q = parent[q]
        }
      }
    }'
}

# kill_pidfile FILE NAME EXPECT [GRACE_SECONDS]: stop the process named in FILE (if its command
# line contains EXPECT) and its descendants: SIGTERM first, SIGKILL for whatever is still alive
# after the grace period.
kill_pidfile() {
  local f=$1 name=$2 expect=$3 grace=${4:-10} pid pids alive p
  if ! pid_alive "$f" "$expect"; then
    rm -f "$f"
    return 0
  fi
  pid=$(pid_of "$f")
  pids="$pid $(descendants "$pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while :; do
    alive=""
    for p in $pids; do running "$p" && alive+="$p "; done
    [[ -z $alive || $SECONDS -ge $deadline ]] && break
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
