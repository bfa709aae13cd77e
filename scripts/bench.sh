#!/usr/bin/env bash
# Benchmark: seeds 100,000 users into a fresh database, starts the release server on loopback
# and measures the users page (middle of the list) and substring searches (one repeated, and a
# new one on every request) with wrk at 32 connections; prints requests/s, p50 and p99 per
# scenario, the server's peak memory and the database size. Cleans up after itself (also on
# ^C). Not part of scripts/test.sh.
#
#   scripts/bench.sh              SQLite (a temporary data folder)
#   scripts/bench.sh --postgres   PostgreSQL: a fresh database on the server at
#                                 ROSTER_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
#                                 dropped afterwards
#
# Environment (all optional):
#   ROSTER_BIN=path        use this server binary instead of building (scripts/build-release.sh)
#   LEPTOS_SITE_ROOT=path  the built site (default target/site)
#   BENCH_USERS=100000  BENCH_DURATION=15 (seconds per scenario)  BENCH_CONNECTIONS=32
#   BENCH_THREADS=2  BENCH_WARMUP=3 (seconds)  BENCH_SEARCH=mar  BENCH_TARGET_P99_MS=20
#   BENCH_ACTIVITY=1000000 (activity-log entries seeded for its scenarios; 0 skips them)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

backend=sqlite
case "${1:-}" in
  "") ;;
  --postgres) backend=postgres ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: scripts/bench.sh [--postgres]" >&2; exit 2 ;;
esac

users="${BENCH_USERS:-100000}"
duration="${BENCH_DURATION:-15}"
connections="${BENCH_CONNECTIONS:-32}"
threads="${BENCH_THREADS:-2}"
warmup="${BENCH_WARMUP:-3}"
search="${BENCH_SEARCH:-mar}"
target_ms="${BENCH_TARGET_P99_MS:-20}"
activity="${BENCH_ACTIVITY:-1000000}"
pg_admin_url="${ROSTER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------------------------
# Debian package for each command the benchmark runs.
declare -A package_of=([wrk]=wrk [sqlite3]=sqlite3 [curl]=curl [psql]=postgresql-client)
needed=(wrk sqlite3 curl)
[ "$backend" = postgres ] && needed+=(psql)
missing=()
for tool in "${needed[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- the release build -----------------------------------------------------------------------
if [ -z "${ROSTER_BIN:-}" ]; then
  say "release build (scripts/build-release.sh; nothing to do when it is fresh)"
  scripts/build-release.sh
  ROSTER_BIN="target/release/roster"
fi
site_root="${LEPTOS_SITE_ROOT:-target/site}"
[ -x "$ROSTER_BIN" ] || die "no server binary at $ROSTER_BIN (set ROSTER_BIN or build first)"
[ -d "$site_root" ] || die "no built site at $site_root (set LEPTOS_SITE_ROOT)"
ROSTER_BIN="$(cd "$(dirname "$ROSTER_BIN")" && pwd)/$(basename "$ROSTER_BIN")"
site_root="$(cd "$site_root" && pwd)"

# --- scratch space, and cleaning it up whatever happens ----------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/roster-bench.XXXXXX")"
server_pid=""
pg_db=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_db" ]; then
    psql "$pg_admin_url" -qAtc "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "bench: could not drop database $pg_db" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- database --------------------------------------------------------------------------------
data_dir="$work/data"
mkdir -p "$data_dir"
if [ "$backend" = postgres ]; then
  psql "$pg_admin_url" -qAtc 'SELECT 1' >/dev/null 2>&1 || die "PostgreSQL does not answer at $pg_admin_url"
  pg_db="roster_bench_$(date +%s)_$$"
  psql "$pg_admin_url" -qAtc "CREATE DATABASE \"$pg_db\"" >/dev/null
  # Same server and credentials, the new database's name in place of the path.
  base="${pg_admin_url%%\?*}"
  query=""
  [ "$base" != "$pg_admin_url" ] && query="?${pg_admin_url#*\?}"
  database_url="${base%/*}/$pg_db$query"
  db_client=(psql "$database_url" -qAt -v ON_ERROR_STOP=1)
else
  database_url="sqlite://$data_dir/roster.db"
  db_client=(sqlite3 -bail "$data_dir/roster.db")
fi

# --- the server ------------------------------------------------------------------------------
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}
port="$(free_port)"
base_url="http://127.0.0.1:$port"
say "starting $ROSTER_BIN on $base_url ($backend)"
# Started from the scratch folder so no .env in the repository changes its configuration.
(
  cd "$work"
  unset ROSTER_PUBLIC_URL ROSTER_SECRET_KEY
  export ROSTER_DATA_DIR="$data_dir" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$site_root" \
    ROSTER_LOG=warn,server::workers::search_index=info DATABASE_URL="$database_url"
  exec "$ROSTER_BIN" serve
) >"$work/server.log" 2>&1 &
server_pid=$!
for i in $(seq 300); do
  curl -fsS --max-time 1 "$base_url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server stopped while starting"; }
  [ "$i" = 300 ] && { cat "$work/server.log" >&2; die "the server was not ready after 30 s"; }
  sleep 0.1
done

# --- the first administrator, through the real API --------------------------------------------
say "registering the first administrator (POST /api/auth/setup)"
status="$(curl -sS --max-time 30 -o "$work/setup.body" -D "$work/setup.headers" -w '%{http_code}' \
  -H "Origin: $base_url" \
  --data-urlencode first_name=Bench --data-urlencode last_name=Admin \
  --data-urlencode email=bench-admin@example.com \
  --data-urlencode password=bench-Roster-pass-2026 --data-urlencode password_confirm=bench-Roster-pass-2026 \
  --data-urlencode console_url="$base_url" \
  "$base_url/api/auth/setup")"
case "$status" in 2?? | 3??) ;; *) cat "$work/setup.body" >&2; die "setup answered HTTP $status" ;; esac
session="$(tr -d '\r' <"$work/setup.headers" | sed -n 's/^[Ss]et-[Cc]ookie: roster_session=\([^;]*\).*/\1/p' | head -1)"
[ -n "$session" ] || die "setup set no roster_session cookie"
cookie="Cookie: roster_session=$session"

# --- seed ------------------------------------------------------------------------------------
say "seeding $users users with SQL (bench/seed.sql)"
seed_start=$(date +%s.%N)
if [ "$backend" = postgres ]; then
  "${db_client[@]}" \
    -c "CREATE TEMP TABLE bench_params AS SELECT CAST($users AS BIGINT) AS users, CAST(extract(epoch FROM now()) AS BIGINT) AS now" \
    -f bench/names.sql -f bench/seed.sql \
    -c "VACUUM ANALYZE users" -c "VACUUM ANALYZE group_members" -c "VACUUM ANALYZE groups"
else
  # Into the live database (WAL): the server keeps serving; the FTS index follows by trigger.
  "${db_client[@]}" ".timeout 10000" \
    "CREATE TEMP TABLE bench_params AS SELECT $users AS users, CAST(strftime('%s', 'now') AS INTEGER) AS now" \
    ".read bench/names.sql" ".read bench/seed.sql" >/dev/null
  # Fold the import's write-ahead log (about the size of the database) back into the file, as
  # SQLite does on its own once writes come: otherwise the first scenario pays for it.
  [ "$("${db_client[@]}" ".timeout 10000" "PRAGMA wal_checkpoint(TRUNCATE)")" = "0|0|0" ] ||
    die "could not checkpoint the seeded database"
fi
seed_seconds=$(echo "$(date +%s.%N) $seed_start" | awk '{printf "%.1f", $1 - $2}')
if [ "$backend" = sqlite ]; then
  # The server merges the trigram indexes once the list has been quiet for a few seconds
  # (server/src/workers/search_index.rs), as it would after any burst of changes: wait for
  # that instead of measuring beside it.
  merges_before="$(grep -c "search indexes merged" "$work/server.log" || true)"
  say "waiting for the server to merge the search indexes"
  for i in $(seq 600); do
    [ "$(grep -c "search indexes merged" "$work/server.log" || true)" -gt "$merges_before" ] && break
    [ "$i" = 600 ] && die "the server did not merge the search indexes within 60 s of the seed"
    sleep 0.1
  done
  grep "search indexes merged" "$work/server.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' >&2
fi

# --- what to measure, checked by hand first ---------------------------------------------------
list_api() { # form body -> JSON page
  curl -fsS --max-time 30 -H "$cookie" -H "Origin: $base_url" -H 'Accept: application/json' \
    --data "$1" "$base_url/api/users/list"
}
json_field() { grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
first_email() { grep -o '"email":"[^"]*"' | head -1 | cut -d'"' -f4; }

first_page="$(list_api 'tab=active&page=1')" || die "POST /api/users/list failed"
pages="$(json_field pages <<<"$first_page")"
active="$(json_field total <<<"$first_page")"
[ -n "$pages" ] && [ "$pages" -gt 1 ] || die "the list has no pages: $first_page"
middle=$(((pages + 1) / 2))
q="$(printf '%s' "$search" | sed 's/ /+/g')"

middle_json="$(list_api "tab=active&page=$middle")"
search_json="$(list_api "tab=active&q=$q&page=1")"
middle_email="$(first_email <<<"$middle_json")"
search_email="$(first_email <<<"$search_json")"
matches="$(json_field total <<<"$search_json")"
# A search counts its active matches up to 1,000 (users/mod.rs: MATCH_COUNT_LIMIT).
grep -qF '"more":true' <<<"$search_json" && matches="$matches+"
[ -n "$middle_email" ] || die "page $middle of the list has no users: $middle_json"
[ -n "$search_email" ] || die "searching \"$search\" found nobody: $search_json"
[ "$(json_field page <<<"$middle_json")" = "$middle" ] || die "asked for page $middle, got: $middle_json"

check_page() { # path expected-text
  local body
  body="$(curl -fsS --max-time 30 -H "$cookie" -H 'Accept: text/html' "$base_url$1")" ||
    die "GET $1 failed"
  grep -qF "$2" <<<"$body" || die "GET $1 does not show $2 (signed out? wrong page?)"
}
# The same page reached as a user paging with Next gets it: by the cursor of the page before.
cursor="$(list_api "tab=active&page=$((middle - 1))" | grep -o '"next_after":"[^"]*"' | cut -d'"' -f4)"
[ -n "$cursor" ] || die "page $((middle - 1)) has no Next cursor"
[ "$(first_email <<<"$(list_api "tab=active&page=$middle&after=$cursor")")" = "$middle_email" ] ||
  die "the Next cursor of page $((middle - 1)) does not lead to page $middle"
check_page "/settings/users?tab=active&page=$middle" "$middle_email"
check_page "/settings/users?tab=active&page=$middle&after=$cursor" "$middle_email"
check_page "/settings/users?tab=active&q=$q" "$search_email"

# Searches as an admin types them: every prefix (three letters or more) of every first name,
# last name and email domain, in a fixed shuffled order. They outnumber the searches whose
# match counts the server remembers (users/match_counts.rs), so each one is counted afresh.
domain="substr(email, instr(email, '@') + 1)" sql_flag=()
[ "$backend" = postgres ] && domain="split_part(email, '@', 2)" sql_flag=(-c)
"${db_client[@]}" "${sql_flag[@]}" "WITH RECURSIVE words(w) AS (
    SELECT lower(first_name) FROM users UNION SELECT lower(last_name) FROM users UNION SELECT $domain FROM users),
  prefixes(w, n) AS (SELECT w, 3 FROM words WHERE length(w) >= 3 UNION ALL SELECT w, n + 1 FROM prefixes WHERE n < length(w))
  SELECT DISTINCT substr(w, 1, n) FROM prefixes" | grep -E '^[a-z0-9.-]+$' |
  shuf --random-source=<(yes) >"$work/terms"
terms="$work/terms"
term_count="$(wc -l <"$terms")"
[ "$term_count" -gt 600 ] || die "only $term_count search terms for the new-term scenarios"
# Every row of the list, and nothing else on the page, has a row menu.
row_marker='class="row-actions"'
check_page "/settings/users?tab=active&q=$(head -1 "$terms")" "$row_marker"
nobody="$(curl -fsS --max-time 30 -H "$cookie" -H 'Accept: text/html' "$base_url/settings/users?tab=active&q=zzzzzz")" ||
  die "GET a search that finds nobody failed"
grep -qF "No users match" <<<"$nobody" || die "a search that finds nobody does not say so"
! grep -qF "$row_marker" <<<"$nobody" || die "a search that finds nobody still shows $row_marker"

echo >&2
echo "users: $((active)) active of $((users + 1)); list pages: $pages (measuring page $middle);" \
  "search \"$search\": $matches active matches; $term_count other search terms; seeded in ${seed_seconds} s" >&2

# --- wrk ---------------------------------------------------------------------------------------
# wrk shares the machine with the server: anything else busy (a build) shows up in the figures.
load_before="$(cut -d' ' -f1 /proc/loadavg)"
awk -v l="$load_before" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }' &&
  say "warning: load average $load_before on $(nproc) cores before measuring; figures will be pessimistic"
results="$work/results"
: >"$results"
# Memory, sampled twice a second while measuring. On SQLite each connection memory-maps the
# database file (db/mod.rs), and the kernel's peak RSS (VmHWM) counts those pages once per
# mapping although they are the one copy in the OS page cache. So this also keeps the peak of
# the server's own (anonymous) memory and of its proportional set size (Pss: shared pages
# counted once).
memory_peaks="$work/memory"
(
  anon=0 pss=0
  while kill -0 "$server_pid" 2>/dev/null; do
    a="$(awk '/^RssAnon:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)" || break
    p="$(awk '/^Pss:/ {print $2}' "/proc/$server_pid/smaps_rollup" 2>/dev/null)" || break
    [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    [ -n "$p" ] && [ "$p" -gt "$pss" ] && pss=$p
    echo "$anon $pss" >"$memory_peaks.tmp" && mv "$memory_peaks.tmp" "$memory_peaks"
    sleep 0.5
  done
) &
sampler_pid=$!
run_wrk() { # label method path expected-text [body] [terms-file]
  local label="$1" method="$2" path="$3" expect="$4" body="${5:-}" terms="${6:-}" headers=(-H "$cookie") out line
  if [ "$method" = POST ]; then
    headers+=(-H "Origin: $base_url" -H 'Accept: application/json'
      -H 'Content-Type: application/x-www-form-urlencoded')
  else
    headers+=(-H 'Accept: text/html')
  fi
  say "$label: warm-up ${warmup} s, then ${duration} s at $connections connections"
  timeout --foreground $((warmup + 30)) wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 10s "${headers[@]}" \
    -s bench/wrk-check.lua "$base_url$path" -- "$method" "$expect" "$body" "$terms" >/dev/null
  out="$(timeout --foreground $((duration + 60)) wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s --latency \
    "${headers[@]}" -s bench/wrk-check.lua "$base_url$path" -- "$method" "$expect" "$body" "$terms")"
  echo "$out" >"$work/wrk-$(tr -c 'a-z0-9' '-' <<<"$label").txt"
  line="$(grep '^BENCH_RESULT' <<<"$out")" || { echo "$out" >&2; die "wrk printed no result"; }
  echo "$label|$line" >>"$results"
}

run_wrk "users page (HTML), page $middle" GET "/settings/users?tab=active&page=$middle" "$middle_email"
run_wrk "users list (API), page $middle" POST "/api/users/list" "$middle_email" "tab=active&page=$middle"
run_wrk "users page (HTML), page $middle by Next" GET "/settings/users?tab=active&page=$middle&after=$cursor" "$middle_email"
run_wrk "users list (API), page $middle by Next" POST "/api/users/list" "$middle_email" "tab=active&page=$middle&after=$cursor"
run_wrk "search \"$search\" (HTML)" GET "/settings/users?tab=active&q=$q" "$search_email"
run_wrk "search \"$search\" (API)" POST "/api/users/list" "$search_email" "tab=active&q=$q&page=1"
run_wrk "search, a new term each time (HTML)" GET "/settings/users?tab=active&q=__TERM__" "$row_marker" "" "$terms"
run_wrk "search, a new term each time (API)" POST "/api/users/list" '"rows":[{' "tab=active&q=__TERM__&page=1" "$terms"

# --- a bulk disable of 1,000 users ------------------------------------------------------------
# One transaction and one activity entry per user (with the chain, each append waits for the
# one before it to commit), before the activity log is seeded. Measured with any build (ROSTER_BIN), so a build
# from before the activity log's chain gives the "before" figure.
bulk_client=(sqlite3 -bail "$data_dir/roster.db" ".timeout 10000")
[ "$backend" = postgres ] && bulk_client=(psql "$database_url" -qAt -v ON_ERROR_STOP=1 -c)
say "bulk disable of 1,000 users (POST /api/users/bulk)"
bulk_ids="$("${bulk_client[@]}" "SELECT id FROM users WHERE status = 'active' AND role <> 'global_admin' ORDER BY id DESC LIMIT 1000" | paste -sd, -)"
bulk_start=$(date +%s.%N)
bulk_status="$(curl -sS --max-time 300 -o "$work/bulk.body" -w '%{http_code}' -H "$cookie" -H "Origin: $base_url" \
  -H 'Accept: application/json' --data "action=disable&user_ids=$bulk_ids" "$base_url/api/users/bulk")"
bulk_seconds=$(echo "$(date +%s.%N) $bulk_start" | awk '{printf "%.2f", $1 - $2}')
[ "$bulk_status" = 200 ] || { cat "$work/bulk.body" >&2; die "the bulk disable answered HTTP $bulk_status"; }
disabled="$("${bulk_client[@]}" "SELECT COUNT(*) FROM users WHERE status = 'disabled' AND id IN ($bulk_ids)")"
[ "$disabled" = 1000 ] || die "the bulk disable disabled $disabled users, not 1000"
# Enabled again (not measured), so the pages the later scenarios check hold the users they expect.
enable_status="$(curl -sS --max-time 300 -o "$work/bulk.body" -w '%{http_code}' -H "$cookie" -H "Origin: $base_url" \
  -H 'Accept: application/json' --data "action=enable&user_ids=$bulk_ids" "$base_url/api/users/bulk")"
[ "$enable_status" = 200 ] || { cat "$work/bulk.body" >&2; die "enabling the 1,000 users again answered HTTP $enable_status"; }

# --- the activity log: a million entries ------------------------------------------------------
# Seeded with SQL, one every 34 seconds back from now (about 400 days): 50 actors, 8 actions,
# object names "User <n>" (n in 0..99,999, each about ten times), one in ten refused. They are
# written as entries from before the hash chain (no hashes; the chain head moves past them), so
# Verify covers only what the server writes afterwards. Then: the first page, a page by actor,
# by action and date range, a substring search of objects (all through the list call, 32
# connections), an export of every entry as NDJSON (rows per second, and the server's own
# memory during it), and a bulk disable of 1,000 users (its time, with the log's chain on).
activity_results=""
has_chain="$(if [ "$backend" = postgres ]; then "${db_client[@]}" -c "SELECT to_regclass('activity_chain') IS NOT NULL"; \
  else "${db_client[@]}" "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'activity_chain'"; fi)"
case "$has_chain" in t | 1) ;; *) say "this build has no activity-log chain (before migration 0010): skipping its scenarios"; activity=0 ;; esac
if [ "$activity" -gt 0 ]; then
  say "seeding $activity activity-log entries with SQL"
  activity_start=$(date +%s.%N)
  if [ "$backend" = postgres ]; then
    series="generate_series(1, $activity) AS g(i)" now_sql="CAST(extract(epoch FROM now()) AS BIGINT)" cat_op="||"
  else
    series="(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $activity) SELECT i FROM n) AS g"
    now_sql="CAST(strftime('%s', 'now') AS INTEGER)" cat_op="||"
  fi
  db_seed() { if [ "$backend" = postgres ]; then "${db_client[@]}" -c "$1"; else "${db_client[@]}" ".timeout 10000" "$1"; fi; }
  # Entries the server writes take their ids from the chain head, not the identity sequence:
  # move it past them first, so the seed's own ids follow.
  [ "$backend" = postgres ] &&
    db_seed "SELECT setval(pg_get_serial_sequence('activity_log', 'id'), (SELECT MAX(id) FROM activity_log))" >/dev/null
  db_seed "INSERT INTO activity_log (at, actor_id, actor_name, actor_email, action, object_type, object_id,
      object_name, outcome, ip, user_agent, details)
    SELECT $now_sql - ($activity - i) * 34 - 60, NULL, 'Actor ' $cat_op CAST(i % 50 AS TEXT),
      'actor' $cat_op CAST(i % 50 AS TEXT) $cat_op '@example.com',
      CASE i % 8 WHEN 0 THEN 'user.role_changed' WHEN 1 THEN 'user.disabled' WHEN 2 THEN 'auth.login'
        WHEN 3 THEN 'auth.login_failed' WHEN 4 THEN 'invite.created' WHEN 5 THEN 'group.member_added'
        WHEN 6 THEN 'auth.logout' ELSE 'user.updated' END,
      'user', NULL, 'User ' $cat_op CAST((i * 7919) % 100000 AS TEXT),
      CASE WHEN i % 10 = 0 THEN 'failure' ELSE 'success' END,
      '192.0.2.' $cat_op CAST(i % 250 AS TEXT), 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      '{\"before\":{\"role\":\"Analyst\"},\"after\":{\"role\":\"Administrator\"}}'
    FROM $series"
  # Past the seeded entries: the chain goes on from the last of them.
  db_seed "UPDATE activity_chain SET last_id = (SELECT MAX(id) FROM activity_log),
    first_chained_id = (SELECT MAX(id) FROM activity_log) + 1, last_hash = '' WHERE id = 1"
  if [ "$backend" = postgres ]; then
    db_seed "VACUUM ANALYZE activity_log"
  else
    db_seed "ANALYZE activity_log"
    [ "$(db_seed "PRAGMA wal_checkpoint(TRUNCATE)")" = "0|0|0" ] || die "could not checkpoint the activity seed"
  fi
  activity_seconds=$(echo "$(date +%s.%N) $activity_start" | awk '{printf "%.1f", $1 - $2}')
  activity_api() { # form body -> JSON page
    curl -fsS --max-time 30 -H "$cookie" -H "Origin: $base_url" -H 'Accept: application/json' \
      --data "$1" "$base_url/api/activity/list"
  }
  for body in "" "actor=actor7%40example.com" "action=user.role_changed&range=30d" "object=user+4242"; do
    activity_api "$body" | grep -qF '"rows":[{' || die "the activity list for \"$body\" is empty or failed"
  done
  check_page "/settings/activity" "activity-table"
  run_wrk "activity: first page (HTML)" GET "/settings/activity" "activity-table"
  run_wrk "activity: first page (API)" POST "/api/activity/list" '"rows":[{' ""
  run_wrk "activity: by actor (API)" POST "/api/activity/list" '"rows":[{' "actor=actor7%40example.com"
  run_wrk "activity: by action and 30 days (API)" POST "/api/activity/list" '"rows":[{' "action=user.role_changed&range=30d"
  run_wrk "activity: object contains \"user 4242\" (API)" POST "/api/activity/list" '"rows":[{' "object=user+4242"

  say "exporting every activity entry as NDJSON"
  export_peak="$work/export-peak"
  anon_before="$(awk '/^RssAnon:/ {print $2}' "/proc/$server_pid/status")"
  (
    peak=0
    while kill -0 "$server_pid" 2>/dev/null && [ ! -e "$work/export-done" ]; do
      a="$(awk '/^RssAnon:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)" || break
      [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a && echo "$peak" >"$export_peak"
      sleep 0.05
    done
  ) &
  export_sampler=$!
  export_start=$(date +%s.%N)
  export_rows="$(curl -fsS --max-time 600 -H "$cookie" "$base_url/api/activity/export?format=ndjson" | wc -l)" ||
    die "the export failed"
  export_seconds=$(echo "$(date +%s.%N) $export_start" | awk '{printf "%.2f", $1 - $2}')
  touch "$work/export-done"
  wait "$export_sampler" 2>/dev/null || true
  export_peak_kb="$(cat "$export_peak" 2>/dev/null || echo 0)"
  [ "$export_rows" -ge "$activity" ] || die "the export had $export_rows rows, fewer than the $activity seeded"

  activity_results="$(printf 'activity log: %s entries seeded in %s s; export of %s rows as NDJSON in %s s = %s rows/s; server own memory %s MiB before, peak %s MiB during the export' \
    "$activity" "$activity_seconds" "$export_rows" "$export_seconds" \
    "$(awk -v r="$export_rows" -v s="$export_seconds" 'BEGIN { printf "%.0f", r / s }')" \
    "$(awk -v k="$anon_before" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v k="$export_peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')")"
fi

# --- sign-ins: throughput against the machine's argon2 limit, and the list beside them ---------
# Correct passwords for 64 seeded users (given the bench admin's password hash), in turn, from
# a browser each has signed in from before (a known device cookie: no new-browser email, and
# each account's own budget). Sign-in limits count attempts in flight, so one account signing
# in 32 times at once would be refused past its limit; 64 people signing in at once is the case
# that matters. One sign-in alone gives one check's time t; the machine's limit is cores / t
# sign-ins per second, and 32 connections should reach 90 % of it. Meanwhile the users page, at
# 4 connections, should keep its p99 under twice its idle p99: argon2 runs at most one per core,
# off the async runtime, so it must not starve other requests.
say "sign-in throughput (correct passwords, 64 users) and the users page beside it"
admin_login="email=bench-admin%40example.com&password=bench-Roster-pass-2026"
curl -sS --max-time 30 -o /dev/null -D "$work/device.headers" -H "Origin: $base_url" --data "$admin_login" \
  "$base_url/api/auth/login"
device="$(tr -d '\r' <"$work/device.headers" | sed -n 's/^[Ss]et-[Cc]ookie: roster_device=\([^;]*\).*/\1/p' | head -1)"
[ -n "$device" ] || die "signing in set no roster_device cookie"
device_hash="$(printf '%s' "$device" | sha256sum | cut -d' ' -f1)"
signers="SELECT id FROM users WHERE status = 'active' AND role <> 'global_admin' ORDER BY id LIMIT 64"
db_exec() { # one SQL statement against the live database
  if [ "$backend" = postgres ]; then "${db_client[@]}" -c "$1"; else "${db_client[@]}" ".timeout 10000" "$1"; fi
}
db_exec "UPDATE users SET password_hash =
  (SELECT password_hash FROM users WHERE email = 'bench-admin@example.com') WHERE id IN ($signers)"
db_exec "INSERT INTO known_devices (user_id, device_hash, first_seen_at, last_seen_at)
  SELECT id, '$device_hash', 0, 0 FROM users WHERE id IN ($signers)"
db_exec "SELECT email FROM users WHERE id IN ($signers)" | sed 's/@/%40/' >"$work/signers"
[ "$(wc -l <"$work/signers")" = 64 ] || die "could not pick 64 users to sign in"
login_body="email=__TERM__&password=bench-Roster-pass-2026"
sign_in_wrk() { # connections seconds -> BENCH_RESULT line
  wrk -t1 -c"$1" -d"$2s" --timeout 10s --latency -H "Cookie: roster_device=$device" -H "Origin: $base_url" \
    -H 'Accept: application/json' -H 'Content-Type: application/x-www-form-urlencoded' \
    -s bench/wrk-check.lua "$base_url/api/auth/login" -- POST "" "$login_body" "$work/signers" | grep '^BENCH_RESULT'
}
page_wrk() { # seconds -> BENCH_RESULT line
  wrk -t1 -c4 -d"$1s" --timeout 10s --latency -H "$cookie" -H 'Accept: text/html' \
    -s bench/wrk-check.lua "$base_url/settings/users?tab=active&page=$middle" -- GET "$middle_email" | grep '^BENCH_RESULT'
}
field() { grep -o "$1=[0-9]*" | cut -d= -f2; }
one="$(sign_in_wrk 1 "$duration")" || die "wrk printed no result for one sign-in at a time"
idle_page="$(page_wrk "$duration")" || die "wrk printed no result for the idle users page"
page_wrk "$duration" >"$work/page-busy" &
page_pid=$!
many="$(sign_in_wrk "$connections" "$duration")" || die "wrk printed no result for parallel sign-ins"
wait "$page_pid"
busy_page="$(cat "$work/page-busy")"
[ -n "$busy_page" ] || die "wrk printed no result for the users page beside sign-ins"
for line in "$one" "$many" "$idle_page" "$busy_page"; do
  [ "$(field non2xx <<<"$line")" = 0 ] && [ "$(field unexpected <<<"$line")" = 0 ] ||
    die "a sign-in or page scenario had failed answers: $line"
done

# --- a burst of sign-ins ---------------------------------------------------------------------
# 64 sign-ins at once, each for another (unknown) email, so every one costs a real argon2
# verification (unknown emails are checked against a dummy hash). Password hashes run at most
# one per core (auth/secrets.rs), so the server's memory stays flat however many arrive. Last,
# because these failures use up this address's sign-in budget for 15 minutes.
say "64 parallel sign-ins (wrong passwords for 64 unknown emails)"
burst_peak="$work/burst-peak"
(
  peak=0
  while kill -0 "$server_pid" 2>/dev/null && [ ! -e "$work/burst-done" ]; do
    a="$(awk '/^RssAnon:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)" || break
    [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a && echo "$peak" >"$burst_peak"
    sleep 0.02
  done
) &
burst_sampler=$!
burst_start=$(date +%s.%N)
seq 64 | xargs -P 64 -I{} curl -sS --max-time 60 -o /dev/null -w '%{http_code}\n' -H "Origin: $base_url" \
  --data-urlencode "email=nobody-{}@bench.example" --data-urlencode "password=not the password {}" \
  "$base_url/api/auth/login" >"$work/burst-statuses"
burst_seconds=$(echo "$(date +%s.%N) $burst_start" | awk '{printf "%.2f", $1 - $2}')
touch "$work/burst-done"
wait "$burst_sampler" 2>/dev/null || true
# Checked and refused attempts answer alike (422); 429 is "too many checks at once".
burst_verified="$(grep -c '^422$' "$work/burst-statuses" || true)"
burst_refused="$(grep -c '^429$' "$work/burst-statuses" || true)"
burst_other=$((64 - burst_verified - burst_refused))
burst_peak_kb="$(cat "$burst_peak" 2>/dev/null || echo 0)"

# --- report ----------------------------------------------------------------------------------
peak_rss_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
read -r peak_anon_kb peak_pss_kb <"$memory_peaks" || die "no memory samples of the server"
if [ "$backend" = postgres ]; then
  db_bytes="$(psql "$database_url" -qAtc 'SELECT pg_database_size(current_database())')"
else
  db_bytes="$(du -cb "$data_dir"/roster.db* | tail -1 | cut -f1)"
fi

echo
echo "Roster benchmark: $backend, $users seeded users, $connections connections, $threads wrk threads," \
  "${duration} s per scenario, $(nproc) cores, load average before: $load_before"
printf '%-42s %10s %9s %9s %9s %8s  %s\n' scenario "requests/s" "p50 ms" "p99 ms" "max ms" non-2xx "p99 < ${target_ms} ms"
failures=0
while IFS='|' read -r label line; do
  declare -A r=()
  for pair in ${line#BENCH_RESULT }; do r[${pair%%=*}]=${pair#*=}; done
  bad=$((r[non2xx] + r[unexpected] + r[socket_errors] + r[timeouts]))
  [ "$bad" -gt 0 ] || [ "${r[requests]}" -eq 0 ] && failures=$((failures + 1))
  verdict=$(awk -v n="${r[requests]}" -v p="${r[p99_us]}" -v t="$target_ms" \
    'BEGIN { print (n > 0 && p / 1000 < t) ? "yes" : "NO" }')
  awk -v l="$label" -v n="${r[requests]}" -v d="${r[duration_us]}" -v p50="${r[p50_us]}" \
    -v p99="${r[p99_us]}" -v mx="${r[max_us]}" -v bad="$bad" -v ok="$verdict" \
    'BEGIN { printf "%-42s %10.0f %9.2f %9.2f %9.2f %8d  %s\n", l, n / (d / 1e6), p50 / 1000, p99 / 1000, mx / 1000, bad, ok }'
  unset r
done <"$results"
awk -v kb="$peak_anon_kb" -v pss="$peak_pss_kb" -v hwm="$peak_rss_kb" 'BEGIN {
  printf "server peak memory: %.1f MiB its own (RssAnon), %.1f MiB with its share of mapped files (Pss)\n", kb / 1024, pss / 1024
  printf "  (peak RSS, VmHWM: %.1f MiB; it counts a memory-mapped database file once per connection)\n", hwm / 1024 }'
awk -v b="$db_bytes" 'BEGIN { printf "database size: %.1f MiB\n", b / 1048576 }'
[ -n "$activity_results" ] && echo "$activity_results"
echo "bulk disable of 1,000 users: $bulk_seconds s"
awk -v kb="$burst_peak_kb" -v v="$burst_verified" -v r="$burst_refused" -v o="$burst_other" -v s="$burst_seconds" 'BEGIN {
  printf "64 parallel sign-ins: %d answered \"wrong email or password\" (checked, or refused by the per-address limit without a check), %d told to retry, %d other, in %s s; server peak %.1f MiB its own (RssAnon)\n", v, r, o, s, kb / 1024 }'
[ "$burst_other" -eq 0 ] || failures=$((failures + 1))
awk -v one="$(field requests <<<"$one")" -v one_us="$(field duration_us <<<"$one")" \
  -v t_us="$(field p50_us <<<"$one")" -v many="$(field requests <<<"$many")" \
  -v many_us="$(field duration_us <<<"$many")" -v cores="$(nproc)" -v c="$connections" 'BEGIN {
  limit = cores / (t_us / 1e6); rate = many / (many_us / 1e6)
  printf "sign-ins, correct password: one at a time %.1f/s (p50 %.1f ms: the argon2 limit is %d / %.1f ms = %.1f/s); %d connections: %.1f/s = %.0f %% of the limit (target >= 90 %%: %s)\n",
    one / (one_us / 1e6), t_us / 1000, cores, t_us / 1000, limit, c, rate, 100 * rate / limit, (rate / limit >= 0.9) ? "yes" : "NO" }'
awk -v idle="$(field p99_us <<<"$idle_page")" -v busy="$(field p99_us <<<"$busy_page")" 'BEGIN {
  printf "users page p99 at 4 connections: idle %.2f ms, beside the sign-ins %.2f ms = %.2fx (target < 2x: %s)\n",
    idle / 1000, busy / 1000, busy / idle, (busy < 2 * idle) ? "yes" : "NO" }'
if [ "$failures" -gt 0 ]; then
  echo "bench: $failures scenario(s) had non-2xx answers, wrong pages, socket errors or timeouts (counted in non-2xx), or no answer at all" >&2
  exit 1
fi
