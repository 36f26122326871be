#!/bin/bash
# record.sh NAME WAIT CMD [ARGS...]   (as root; needs procps-ng pmap, unshare, mount)
#
# Records one pmap fixture into tests/fixtures-pmap/NAME/: starts CMD (env -i, LANG=C.UTF-8),
# waits WAIT seconds (or until CMD stops itself with SIGSTOP), stops it with SIGSTOP, then saves
#   maps smaps cmdline stat            /proc/PID/{maps,smaps,cmdline,stat}
#   pmap pmap-x pmap-X pmap-XX         the real `pmap [-x|-X|-XX] PID` on exactly those files
# and kills CMD. pmap runs in a private mount namespace where the saved maps and smaps are
# bind-mounted over /proc/PID/maps and /proc/PID/smaps: smaps changes from one read to the next
# even in a stopped process (Pss depends on who else maps a page, and 6 other users run here),
# so this makes each pmap output correspond byte for byte to the saved files. A plain `pmap PID`
# (maps is stable while the process is stopped) is also compared with the bound one.
#
# `record.sh all` records the standard set (see the end of this file).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export LANG=C.UTF-8 LC_ALL=C.UTF-8

record() {
    local name=$1 wait=$2; shift 2
    local out=$HERE/$name
    rm -rf "$out"; mkdir -p "$out"
    env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@" </dev/null >/dev/null 2>&1 &
    local pid=$!
    local waited=0
    while [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" != T ] && [ "$waited" -lt "$((wait * 10))" ]; do
        sleep 0.1; waited=$((waited + 1))
    done
    kill -STOP $pid
    while [ "$(awk '{print $3}' /proc/$pid/stat)" != T ]; do sleep 0.05; done
    cat /proc/$pid/maps > "$out/maps"
    cat /proc/$pid/smaps > "$out/smaps"
    cat /proc/$pid/cmdline > "$out/cmdline"
    cat /proc/$pid/stat > "$out/stat"
    unshare -m sh -c "mount --bind '$out/maps' /proc/$pid/maps && mount --bind '$out/smaps' /proc/$pid/smaps &&
        pmap $pid > '$out/pmap' && pmap -x $pid > '$out/pmap-x' && pmap -X $pid > '$out/pmap-X' &&
        pmap -XX $pid > '$out/pmap-XX'"
    if ! pmap $pid | cmp -s - "$out/pmap"; then
        echo "$name: WARNING: plain pmap differs from the one on the saved maps" >&2
    fi
    pkill -KILL -P $pid 2>/dev/null || true   # its children (bash -c runs sleep)
    kill -KILL $pid; wait $pid 2>/dev/null || true
    echo "$name: pid $pid, $(grep -c . "$out/maps") mappings, $(wc -c < "$out/smaps") bytes of smaps"
}

if [ "${1:-}" = all ]; then
    pmap -V | sed 's/^/recorded with: /'
    gcc -O0 -pthread -o /tmp/pmap-mix "$HERE/progs/mix.c"
    record sleep 1 /usr/bin/sleep 300
    record bash 1 /usr/bin/bash -c 'sleep 300; echo done'
    record python3 2 /usr/bin/python3 -c 'x=[0]*3000000; import time; time.sleep(300)'
    record threads 3 /tmp/pmap-mix 6 0
    record mix 3 /tmp/pmap-mix 2 1
    record perl 1 /usr/bin/perl -e 'my @a = (1) x 200000; sleep 300'
    exit 0
fi
[ $# -ge 3 ] || { echo "usage: record.sh NAME WAIT CMD [ARGS...] | record.sh all" >&2; exit 2; }
record "$@"
