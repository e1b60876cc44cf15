#!/usr/bin/env bash
# Every figure in BENCHMARKS.md in one go (about 25 minutes), each output saved in var/bench/results/<time>/.
#
#     bash bench/run_all.sh                  # SQLite and PostgreSQL
#     BENCH_POSTGRES=0 bash bench/run_all.sh # SQLite only
#
# PostgreSQL: a local server with the role tracker/tracker (README, TOOLCHAIN.md); run as root, because the
# databases are recreated with `su postgres -c "createdb ..."` (tracker_bench is the pristine 10k template,
# each run gets a copy). Exits 1 if any benchmark broke its budget; the rest still run.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=var/bench/results/$(date +%Y%m%d-%H%M%S)
V=$PWD/var/bench
PG=postgres://tracker:tracker@127.0.0.1:5432
mkdir -p "$OUT"
status=0

# The production-like environment of bench/harness.py, for the in-process benchmarks (the test client's host
# is "testserver").
export DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
DJANGO_SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_SECRET_KEY

run() {  # name command...: saves the output, remembers a failure
    local name=$1; shift
    echo "== $name ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)): $*" | tee "$OUT/$name.txt"
    "$@" >>"$OUT/$name.txt" 2>&1
    local rc=$?
    echo "exit $rc" >>"$OUT/$name.txt"
    [ $rc = 0 ] || status=1
}
pg_copy() {  # name: a fresh copy of the template database
    su postgres -c "dropdb --if-exists $1 && createdb -O tracker -T tracker_bench $1"
}

{
    echo "nproc: $(nproc)"; free -h; grep -m1 "model name" /proc/cpuinfo
    $PY -c 'import sys, sqlite3, django, gunicorn; print("Python", sys.version.split()[0], "| Django", django.__version__,
          "| SQLite", sqlite3.sqlite_version, "| gunicorn", gunicorn.__version__)'
    psql --version; wrk --version 2>&1 | head -1
    echo "code: $(git --no-optional-locks rev-parse --short HEAD)"; git --no-optional-locks status --porcelain
} >"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

run throughput-sqlite-1 $PY bench/throughput.py --fresh
run throughput-sqlite-2 $PY bench/throughput.py
run throughput-sqlite-3 $PY bench/throughput.py
run load-sqlite $PY bench/load.py --fresh
run load-sqlite-kill-worker $PY bench/load.py --fresh --kill-worker-at 20
run load-sqlite-restart $PY bench/load.py --fresh --restart-at 20
run latency-sqlite env DATABASE_URL=sqlite:///$V/latency10k.sqlite3 sh -c \
    "$PY bench/harness.py \$DATABASE_URL --fresh && $PY bench/latency.py 30"
for size in 1000:10000 10000:100000 100000:1000000; do
    p=${size%:*} f=${size#*:}
    fresh=--fresh; [ "$p" = 100000 ] && fresh=  # 2 minutes to generate: kept between runs
    runs=11; [ "$p" = 100000 ] && runs=5
    run "scaling-sqlite-$p" env DATABASE_URL=sqlite:///$V/scale$p.sqlite3 sh -c \
        "$PY bench/harness.py \$DATABASE_URL --predictions $p --forecasts $f $fresh && $PY bench/scoreboard_scaling.py $runs"
done

if [ "${BENCH_POSTGRES:-1}" != 0 ]; then
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'tracker_bench'\"" | grep -q 1 \
        || su postgres -c "createdb -O tracker tracker_bench"
    $PY bench/harness.py $PG/tracker_bench >/dev/null || status=1
    pg_copy tracker_tp && run throughput-postgres $PY bench/throughput.py --database-url $PG/tracker_tp
    pg_copy tracker_load && run load-postgres $PY bench/load.py --database-url $PG/tracker_load
    pg_copy tracker_load && run load-postgres-kill-worker $PY bench/load.py --database-url $PG/tracker_load \
        --kill-worker-at 20
    pg_copy tracker_load && run load-postgres-restart $PY bench/load.py --database-url $PG/tracker_load --restart-at 20
    pg_copy tracker_latency && run latency-postgres env DATABASE_URL=$PG/tracker_latency $PY bench/latency.py 30
    pg_copy tracker_scale && run scaling-postgres-10000 env DATABASE_URL=$PG/tracker_scale $PY bench/scoreboard_scaling.py
fi
echo "outputs in $OUT; exit $status"
exit $status
