#!/bin/bash
# The service manager's notification protocol (docs/design.md §2, issue 6): with a
# test datagram socket as NOTIFY_SOCKET, WATCHDOG_USEC=1000000 and
# WATCHDOG_PID the daemon's own, the daemon sends READY=1 once its store is
# open and its lanes started, a STATUS= lane summary that follows the lane
# (IDLE, REFUSED for an overloaded truck, IDLE again), WATCHDOG=1 about
# every 500 ms (never 1 s apart), and STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.inc"

start_notify_socket

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"豫A12345","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 2000 --reverse-ms 300
write_conf "$WORK/wg.conf"
# exec keeps the shell's PID, so WATCHDOG_PID names the daemon itself;
# JOURNAL_STREAM names the log file as systemd names its journal stream
touch "$WORK/weighgated.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/weighgated.log") \
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 \
	bash -c 'export WATCHDOG_PID=$$; exec "$0" -c "$1"' \
	"$WG_BIN/weighgated" "$WORK/wg.conf" >>"$WORK/weighgated.log" 2>&1 &
WG_PID=$!
PIDS+=("$WG_PID")

wait_for 10 "READY=1" notify_has ' READY=1$'
# READY=1 comes once the store is open with its startup event recorded
[ "$(ev_count startup)" = 1 ] || fail "READY=1 before the startup event"
wait_for 5 "a first STATUS=" notify_has ' STATUS=L01 (IDLE|FAULT); backlog [0-9]+'
go_traffic
wait_for 15 "STATUS= with the lane REFUSED" notify_has ' STATUS=L01 REFUSED; backlog [0-9]+'
wait_for 15 "the truck to reverse" timeline_has '"what":"reversed","plate":"豫A12345"'
wait_for 5 "STATUS= with the lane IDLE again" awk '
	/ STATUS=L01 REFUSED/ { r = 1 } r && / STATUS=L01 IDLE/ { ok = 1 }
	END { exit !ok }' "$WORK/notify.txt"
# the backlog named in STATUS= grew with the weighing
first=$(grep -m1 ' STATUS=' "$WORK/notify.txt" | sed 's/.*backlog \([0-9]*\).*/\1/')
last=$(grep ' STATUS=' "$WORK/notify.txt" | tail -n 1 | sed 's/.*backlog \([0-9]*\).*/\1/')
[ "$last" -gt "$first" ] || fail "backlog in STATUS= did not grow ($first -> $last)"
# STATUS= is rate-bounded: never two within 400 ms
awk '/ STATUS=/ { if (p && $1 - p < 400) { print; bad = 1 } p = $1 } END { exit bad }' \
	"$WORK/notify.txt" || fail "STATUS= sent more often than every 500 ms"

# at least 3 s of watchdog pings
sleep 3
stop_pid "$WG_PID" || fail "weighgated exit status $?"
notify_has ' STOPPING=1$' || fail "no STOPPING=1 on SIGTERM"
[ "$(grep -c ' READY=1$' "$WORK/notify.txt")" = 1 ] || fail "READY=1 not sent exactly once"
awk '/ READY=1$/ { r = 1 } / STATUS=/ && !r { bad = 1 } END { exit bad }' \
	"$WORK/notify.txt" || fail "STATUS= before READY=1"
n=$(grep -c ' WATCHDOG=1$' "$WORK/notify.txt")
[ "$n" -ge 8 ] || fail "only $n WATCHDOG=1 pings"
gaps=$(awk '/ WATCHDOG=1$/ { if (p) print $1 - p; p = $1 }' "$WORK/notify.txt")
max=$(printf '%s\n' "$gaps" | sort -n | tail -n 1)
mean=$(printf '%s\n' "$gaps" | awk '{ s += $1; n++ } END { printf "%d", s / n }')
[ "$max" -lt 1000 ] || fail "WATCHDOG=1 pings $max ms apart (WATCHDOG_USEC 1 s)"
[ "$mean" -ge 400 ] && [ "$mean" -le 700 ] || fail "WATCHDOG=1 every $mean ms on average, not ~500"
# every line of the log carries its syslog priority, and not the program's
# name, which the journal records itself
! grep -Ev '^<[3467]>' "$WORK/weighgated.log" | grep -q . ||
	fail "log lines without a syslog priority prefix"
! grep -q '^<[0-9]>weighgated: ' "$WORK/weighgated.log" ||
	fail "the program name repeated under journald"
stop_pid "$SIM_PID" || true
stop_pid "$NS_PID" || true
echo "notify_protocol: ok ($n pings, mean gap $mean ms, max $max ms)"
