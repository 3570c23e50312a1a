#!/usr/bin/env bash
# Soak benchmark of the daemon (not a unit test): does memory stay flat over a long run?
#
#   scripts/soak.sh [FRAMES]            FRAMES default 3000
#
# Runs `edgert run` (the NativeAOT artifacts/publish/linux-x64/edgert when it exists, else the dotnet-hosted
# Release edgert.dll, built when missing) on synthetic:?width=640&height=480&fps=0&frames=FRAMES with the Coral
# dm0.5 DeepLab model, telemetry every second, on the embedded broker (127.0.0.1, a free port). Every
# SAMPLE_S seconds it samples the process RSS (/proc/PID/status VmRSS) beside the latest telemetry
# (frames_processed, gc_heap_bytes) that mosquitto_sub (Debian's mosquitto-clients, scripts/install-deps.sh)
# receives (with an explicit client id: the embedded broker rejects the empty one mosquitto_sub sends by default).
# At the end: throughput, RSS and GC heap at 10 %, 50 % and 100 % of the run (by frames processed),
# the growth from 10 % to 100 %, and PASS/FAIL: RSS growth <= MAX_RSS_GROWTH_MB (5) and
# GC heap growth <= MAX_GC_GROWTH_MB (5). Exit code 0 on PASS, 1 on FAIL, 2 when it could not run.
# The GC heap of the telemetry is GC.GetTotalMemory(false), garbage since the last GC included: the script
# counts the GCs it saw (drops). The NativeAOT daemon allocates so little per frame that a 3000-frame run may
# see none; DOTNET_GCgen0size=0x40000 makes the dotnet-hosted (CoreCLR) daemon collect often (NativeAOT
# ignores it), so its GC heap shows the live data.
#
# Environment: EDGERT_BIN (binary or .dll to run), MODEL, THREADS (1), SAMPLE_S (2),
#              MAX_RSS_GROWTH_MB (5), MAX_GC_GROWTH_MB (5), EDGERT_SHARED (the shared data folder).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
frames=${1:-3000}
sample_s=${SAMPLE_S:-2}
threads=${THREADS:-1}
max_rss_mb=${MAX_RSS_GROWTH_MB:-5}
max_gc_mb=${MAX_GC_GROWTH_MB:-5}
shared=${EDGERT_SHARED:-$(cd "$root/.." && pwd)/shared}
[ -d "$shared/models" ] || shared=/work/shared
model=${MODEL:-$shared/models/coral/deeplabv3_mnv2_dm05_pascal_quant.tflite}
device=soak
die() { echo "soak: $*" >&2; exit 2; }

[ -f "$model" ] || die "model $model not found (set MODEL or EDGERT_SHARED)"
command -v mosquitto_sub >/dev/null || die "mosquitto_sub not found: run scripts/install-deps.sh (mosquitto-clients)"

cmd=()
if [ -n "${EDGERT_BIN:-}" ]; then
  bin=$EDGERT_BIN
elif [ -x artifacts/publish/linux-x64/edgert ]; then
  bin=artifacts/publish/linux-x64/edgert
else
  bin=src/edgert/bin/Release/net10.0/edgert.dll
  if [ ! -f "$bin" ]; then
    echo "building $bin"
    dotnet build src/edgert -c Release -nologo -v q >/dev/null || die "build failed"
  fi
fi
case "$bin" in
  *.dll) cmd=(dotnet "$bin"); kind="dotnet-hosted $bin" ;;
  *) cmd=("$bin"); kind="NativeAOT $bin" ;;
esac

work=$(mktemp -d /tmp/edgert-soak.XXXXXX)
log=$work/daemon.log; tele=$work/telemetry.jsonl; samples=$work/samples.tsv
daemon_pid=""; sub_pid=""
cleanup() {
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT

echo "soak: $kind, $frames frames of synthetic 640x480, model $(basename "$model"), $threads thread(s), sample every ${sample_s}s"
echo "      work folder $work"
start_ns=$(date +%s%N)
"${cmd[@]}" run --source "synthetic:?width=640&height=480&fps=0&frames=$frames" --model "$model" --device "$device" \
  --threads "$threads" --telemetry-interval 1000 --Mqtt:EmbeddedBrokerPort=0 --Mqtt:EmbeddedBrokerCredentialsFile="$work/broker-users.json" >"$log" 2>&1 &
daemon_pid=$!

# The embedded broker logs the port it bound; subscribe as soon as it is there.
port=""
for _ in $(seq 1 300); do
  port=$(grep -soE "Embedded MQTT broker listening on 127\.0\.0\.1:[0-9]+" "$log" | grep -oE "[0-9]+$" | head -1)
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$log"; die "the daemon exited at start"; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; die "no embedded broker port in the daemon log"; }
# The embedded broker wants a login: the read-only viewer user from the generated users file.
viewer_pw=$(tr -d ' \n' <"$work/broker-users.json" | grep -oE '"username":"viewer","password":"[0-9a-f]+"' | grep -oE '[0-9a-f]{32}')
mosquitto_sub -i "edgert-soak-sub-$$" -h 127.0.0.1 -p "$port" -u viewer -P "$viewer_pw" -t "edgert/v1/$device/telemetry" >"$tele" 2>"$work/sub.err" &
sub_pid=$!

json_num() { grep -oE "\"$1\":[0-9.]+" <<<"$2" | head -1 | cut -d: -f2; }

printf "t_s\trss_kb\tframes\tgc_heap_bytes\ttelemetry_rss_bytes\n" >"$samples"
while kill -0 "$daemon_pid" 2>/dev/null; do
  rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status" 2>/dev/null)
  last=$(tail -n 1 "$tele" 2>/dev/null)
  if [ -n "$rss_kb" ] && [ -n "$last" ]; then
    now_ns=$(date +%s%N)
    printf "%s\t%s\t%s\t%s\t%s\n" "$(( (now_ns - start_ns) / 1000000000 ))" "$rss_kb" \
      "$(json_num frames_processed "$last")" "$(json_num gc_heap_bytes "$last")" "$(json_num rss_bytes "$last")" >>"$samples"
  fi
  sleep "$sample_s"
done
wait "$daemon_pid"; rc=$?; daemon_pid=""
end_ns=$(date +%s%N)
sleep 0.5; kill "$sub_pid" 2>/dev/null; wait "$sub_pid" 2>/dev/null; sub_pid=""
[ "$rc" -eq 0 ] || { tail -30 "$log"; die "the daemon exited with $rc"; }

tail -n 9 "$log" | sed 's/^/  daemon: /'
n_tele=$(wc -l <"$tele")
[ "$n_tele" -ge 3 ] || die "only $n_tele telemetry messages received"
n_samples=$(( $(wc -l <"$samples") - 1 ))
[ "$n_samples" -ge 3 ] || die "only $n_samples samples: the run is too short (more frames, or a smaller SAMPLE_S)"

# Throughput from the telemetry (frames and uptime of the first and the last message: start-up excluded).
first=$(head -n 1 "$tele"); last=$(tail -n 1 "$tele")
f0=$(json_num frames_processed "$first"); u0=$(json_num uptime_s "$first")
f1=$(json_num frames_processed "$last"); u1=$(json_num uptime_s "$last")
wall=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo
echo "frames processed: $f1 of $frames in ${wall}s wall (process start to exit)"
awk -v f0="$f0" -v f1="$f1" -v u0="$u0" -v u1="$u1" -v n="$f1" -v w="$wall" \
  'BEGIN { printf "throughput: %.2f frames/s steady (telemetry, frames %d..%d over %.1f s); %.2f frames/s including start-up\n", (f1 - f0) / (u1 - u0), f0, f1, u1 - u0, n / w }'
grep -oE '"inference":\{[^}]*\}' <<<"$last" | sed 's/^/latency /'

# RSS (sampled) and GC heap (telemetry) at 10 %, 50 %, 100 % of the frames; 100 % = the last sample / the final telemetry.
awk -F'\t' -v total="$f1" -v max_rss_mb="$max_rss_mb" -v max_gc_mb="$max_gc_mb" -v tele="$tele" '
  NR == 1 { next }
  $3 == "" { next }
  { n++; fr[n] = $3; rss[n] = $2 * 1024; }
  function at(p,   i) { for (i = 1; i <= n; i++) if (fr[i] >= p * total) return i; return n }
  END {
    # GC heap from every telemetry message (1 s apart), by frames processed.
    while ((getline line < tele) > 0) {
      if (match(line, /"frames_processed":[0-9]+/)) f = substr(line, RSTART + 19, RLENGTH - 19); else continue
      if (match(line, /"gc_heap_bytes":[0-9]+/)) gv = substr(line, RSTART + 16, RLENGTH - 16); else continue
      m++; tf[m] = f + 0; tg[m] = gv + 0
    }
    split("0.10 0.50 1.00", ps, " ")
    printf "\n%-6s %10s %12s %14s %12s\n", "point", "frames", "RSS MiB", "frames (tele)", "GC heap MiB"
    for (k = 1; k <= 3; k++) {
      p = ps[k]; i = (p == 1.00) ? n : at(p)
      j = m; for (q = 1; q <= m; q++) if (tf[q] >= p * total) { j = q; break }
      r[k] = rss[i]; gh[k] = tg[j]
      printf "%-6s %10d %12.1f %14d %12.2f\n", (p * 100) "%", fr[i], rss[i] / 1048576, tf[j], tg[j] / 1048576
    }
    rg = (r[3] - r[1]) / 1048576; gg = (gh[3] - gh[1]) / 1048576
    # gc_heap_bytes is GC.GetTotalMemory(false): live data plus what was allocated since the last GC. A drop
    # between two messages means a GC ran; without any, its growth is the allocation rate, not retained data.
    gcs = 0; for (q = 2; q <= m; q++) if (tg[q] < tg[q - 1]) gcs++
    fr1 = 0; fr3 = 0; for (q = 1; q <= m; q++) { if (tg[q] == gh[1] && fr1 == 0) fr1 = tf[q]; if (tg[q] == gh[3]) fr3 = tf[q] }
    printf "GC heap drops (GCs seen) in %d telemetry messages: %d%s\n", m, gcs, (gcs == 0 ? sprintf("; no GC ran, so its growth is allocation (%.0f bytes/frame), not retained data", (fr3 > fr1 ? (gh[3] - gh[1]) / (fr3 - fr1) : 0)) : "")
    printf "\nRSS growth 10%% -> 100%%: %+.2f MiB (bound %s MiB); GC heap growth 10%% -> 100%%: %+.2f MiB (bound %s MiB)\n", rg, max_rss_mb, gg, max_gc_mb
    # Min/max over the second half: a sawtooth is fine, a trend is not.
    lo = 1e18; hi = 0; for (i = 1; i <= n; i++) if (fr[i] >= 0.5 * total) { if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i] }
    printf "RSS over the second half: %.1f .. %.1f MiB (%d samples in all)\n", lo / 1048576, hi / 1048576, n
    ok = (rg <= max_rss_mb) && (gg <= max_gc_mb)
    print (ok ? "PASS" : "FAIL") ": memory " (ok ? "flat" : "grows") " over the soak"
    exit (ok ? 0 : 1)
  }' "$samples"
status=$?
echo "samples: $samples; telemetry: $tele; daemon log: $log"
exit $status
