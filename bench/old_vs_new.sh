#!/usr/bin/env bash
# Old and new code side by side in one run (issue 12): the same benchmarks, alternating between a detached
# worktree of the old commit and this one, on copies of the same generated data.
#
#   git -C /work/main worktree add --detach /work/old-scores c2d9c3b && ln -s "$PWD/.venv" /work/old-scores/.venv
#   bash bench/old_vs_new.sh /work/old-scores [sqlite|postgres|all]     # outputs under var/bench/versus/<time>/
#
# SQLite: var/bench/gen10k.sqlite3 and gen100k.sqlite3 made by the OLD code's generate_demo (seed 1); the new
# code gets copies migrated by its own migration (which stores the scores). PostgreSQL: schemas `old` and `new`
# in DATABASE (default tracker_scores), each filled by its own code's generate_demo (the same seed, the same
# data), made afresh before every run that writes. Ports BENCH_PORT and BENCH_PORT+1 (default 8501, 8502);
# the Redis runs use BENCH_REDIS (default redis://127.0.0.1:6379/6), emptied before each.
set -euo pipefail
OLD=${1:?the old code\'s worktree}
WHAT=${2:-all}
NEW=$(cd "$(dirname "$0")/.." && pwd)
PY="$NEW/.venv/bin/python"
VAR="$NEW/var/bench"
OUT="$VAR/versus/$(date -u +%Y%m%dT%H%M%S)"
PG=${BENCH_PG:-postgres://tracker:tracker@127.0.0.1:5432/${DATABASE:-tracker_scores}}
PORT=${BENCH_PORT:-8501}
REDIS=${BENCH_REDIS:-redis://127.0.0.1:6379/6}
mkdir -p "$OUT"
export BENCH_SECRET_KEY=${BENCH_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
INPROC=(env DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$BENCH_SECRET_KEY" DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
        DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0)

say() { echo "== $* ($(uptime | sed 's/.*load average/load average/'))" | tee -a "$OUT/summary.txt"; }
root() { [ "$1" = old ] && echo "$OLD" || echo "$NEW"; }
sqlite_copy() {  # sqlite_copy old|new SIZE NAME: a fresh copy of the generated data for that code
  local file="$VAR/$3.sqlite3"
  rm -f "$file" "$file-wal" "$file-shm"
  cp "$VAR/gen$2.sqlite3" "$file"
  (cd "$(root "$1")" && "${INPROC[@]}" DATABASE_URL="sqlite:///$file" "$PY" manage.py migrate -v0) >&2
  echo "sqlite:///$file"
}
pg_schema() {  # pg_schema old|new: the schema emptied, migrated and filled by that code
  PGPASSWORD=tracker psql -q "${PG%%\?*}" -c "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1" >/dev/null
  local url="$PG?options=-c%20search_path%3D$1"
  (cd "$(root "$1")" && "${INPROC[@]}" DATABASE_URL="$url" "$PY" manage.py migrate -v0 \
     && "${INPROC[@]}" DATABASE_URL="$url" "$PY" manage.py createcachetable \
     && "${INPROC[@]}" DATABASE_URL="$url" "$PY" manage.py generate_demo --predictions 10000 --users 50 \
          --forecasts 100000 --seed 1) >&2
  echo "$url"
}
run() {  # run old|new LABEL COMMAND...: in that code's directory, output kept
  local code=$1 label=$2; shift 2
  say "$code: $label"
  (cd "$(root "$code")" && "$@") 2>&1 | tee "$OUT/$code-$label.txt" | tail -n 30 >> "$OUT/summary.txt" || true
}

if [ "$WHAT" = sqlite ] || [ "$WHAT" = all ]; then
  for code in old new; do sqlite_copy $code 10k $code-10k >/dev/null; sqlite_copy $code 100k $code-100k >/dev/null; done
  for code in old new old new; do
    run $code scaling-10k "${INPROC[@]}" DATABASE_URL="sqlite:///$VAR/$code-10k.sqlite3" "$PY" bench/scoreboard_scaling.py 11
  done
  for code in old new; do
    run $code scaling-100k "${INPROC[@]}" DATABASE_URL="sqlite:///$VAR/$code-100k.sqlite3" "$PY" bench/scoreboard_scaling.py 5
  done
  for code in old new old new; do
    url=$(sqlite_copy $code 10k $code-latency)
    run $code latency "${INPROC[@]}" DATABASE_URL="$url" "$PY" bench/latency.py 30
  done
  for code in old new old new; do
    url=$(sqlite_copy $code 10k $code-throughput)
    run $code throughput "$PY" bench/throughput.py --database-url "$url" --port "$PORT"
  done
  for code in old new; do  # the same with Redis as the shared cache (and so the sessions' cache)
    url=$(sqlite_copy $code 10k $code-throughput)
    redis-cli -u "$REDIS" FLUSHDB >/dev/null
    run $code throughput-redis env REDIS_URL="$REDIS" "$PY" bench/throughput.py --database-url "$url" --port "$PORT"
  done
  redis-cli -u "$REDIS" FLUSHDB >/dev/null
  for code in old new old new; do
    url=$(sqlite_copy $code 10k $code-load)
    run $code load "$PY" bench/load.py --database-url "$url" --port $((PORT + 1))
  done
fi

if [ "$WHAT" = postgres ] || [ "$WHAT" = all ]; then
  for code in old new; do
    url=$(pg_schema $code)
    run $code pg-scaling-10k "${INPROC[@]}" DATABASE_URL="$url" "$PY" bench/scoreboard_scaling.py 11
    run $code pg-latency "${INPROC[@]}" DATABASE_URL="$url" "$PY" bench/latency.py 30
  done
  for code in old new old new; do
    url=$(pg_schema $code)
    run $code pg-load "$PY" bench/load.py --database-url "$url" --port $((PORT + 1))
  done
  url=$(pg_schema new)
  run new pg-throughput "$PY" bench/throughput.py --database-url "$url" --port "$PORT"
fi
say "done: $OUT"
