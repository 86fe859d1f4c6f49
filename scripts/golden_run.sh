#!/usr/bin/env bash
# A golden run of the command line: every command that reads data, run on the sample councils,
# with its stdout, stderr and files kept in OUT. Run it before and after a change that must
# not alter behaviour, then `diff -r BEFORE AFTER`. Only run-dependent values (git commit,
# environment, file timestamps, temporary paths) are blanked.
#   scripts/golden_run.sh OUT [WORKBENCH]
set -u
out=${1:?usage: scripts/golden_run.sh OUT [WORKBENCH]}
wb=${2:-.venv/bin/workbench}
small=data_samples/council_small
messy=data_samples/council_messy
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)
n=0
run() {  # run NAME ARGS...: keep stdout, stderr and the exit code
  local name=$1; shift
  "$wb" -q "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
  echo "$?" >"$out/$name.rc"
  n=$((n + 1))
}
run schema schema
run validate_small validate "$small"
run validate_messy validate "$messy"
for i in two_year_old free_school_meals early_years_pupil_premium disability_access_fund; do
  run "rules_$i" rules --initiative "$i" --on 2026-09-01
  run "assess_$i" assess --initiative "$i" --data "$small" --term-start 2026-09-01 \
    --as-of 2026-08-01 --out "$out/lists/$i.csv"
  run "assess_messy_$i" assess --initiative "$i" --data "$messy" --term-start 2027-01-01 \
    --as-of 2026-12-01 --out "$out/lists/messy_$i.parquet"
  run "stats_$i" stats --initiative "$i" --data "$small" --term-start 2026-09-01 \
    --as-of 2026-08-01 --out "$out/stats/$i" --linkage exact
  run "explain_$i" explain --initiative "$i" --data "$small" --person P0000010 \
    --term-start 2026-09-01 --as-of 2026-08-01
done
run assess_probabilistic assess --initiative two_year_old --data "$messy" \
  --term-start 2026-09-01 --as-of 2026-08-01 --out "$out/lists/probabilistic.csv" \
  --linkage probabilistic
run stats_probabilistic stats --initiative two_year_old --data "$small" \
  --term-start 2026-09-01 --as-of 2026-08-01 --out "$out/stats/probabilistic" \
  --trend-terms 2026-04-01 --ward-lookup data_samples/ward_lookup.csv
run link link --data "$messy" --out "$out/links.csv" --truth "$messy/ground_truth.csv"
run transparency transparency --on 2026-09-01
run subject_access subject-access --data "$small" --person P0000010 \
  --out "$out/sar.md" --list "$out/lists/two_year_old.csv"
run bad_out assess --initiative two_year_old --data "$small" --term-start 2026-09-01 \
  --as-of 2026-08-01 --out "$out/x.txt"
run bad_linkage stats --initiative two_year_old --data "$small" --term-start 2026-09-01 \
  --as-of 2026-08-01 --out "$out/stats/bad" --linkage fuzzy
# Blank what differs between runs by design: the commit, the environment, paths, timestamps.
find "$out" -type f \( -name '*.json' -o -name '*.stdout' -o -name '*.stderr' -o -name '*.md' \
  -o -name '*.html' \) -print0 | xargs -0 sed -i -E \
  -e "s#$out#OUT#g" \
  -e 's/"git_commit": "[0-9a-f]+"/"git_commit": "COMMIT"/' \
  -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?/TIMESTAMP/g'
find "$out" -name '*.json' -print0 | xargs -0 -I{} sh -c \
  'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop(\"environment\", None); json.dump(d, open(sys.argv[1], \"w\"), indent=1, sort_keys=True)" {} 2>/dev/null || true'
echo "$n commands run into $out"
