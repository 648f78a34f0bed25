#!/usr/bin/env bash
# Side-by-side run of NetGen's own single-thread rows (generated and interpreted) at two commits, alternating
# old, new, old, new, ... so both see the same machine state. Usage:
#   bench/compare-commits.sh OLD_COMMIT [NEW_COMMIT=HEAD] [ROUNDS=3] [full]
# Each round runs the ShortRun job with 7 iterations for both commits; with "full" the new commit runs every row
# (peers and the rows the old commit lacks too), so one session gives both the comparison and the full table. The
# tables land in bench/results/compare-<old>-<new>/{old,new}-run<k>/. Summarise with bench/compare-summary.py.
# NEW_ARGS adds arguments to the new commit's runs only, e.g. NEW_ARGS=--both-widths. FILTER replaces the rows both
# commits run (space-separated BenchmarkDotNet filters, default '*.Generated *.Interpreted'); NEW_FILTER adds rows the
# new commit runs too; OLD_PATCH is a patch applied to the old commit's tree first (bench/align-de455d3.patch gives
# de455d3's harness the NETGEN_INPUT_ALIGN option, so both commits can place the sample alike).
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(git rev-parse --short "${1:?old commit}")
new=$(git rev-parse --short "${2:-HEAD}")
rounds=${3:-3}
full=${4:-}
work=$(mktemp -d /tmp/netgen-compare.XXXXXX)
out="bench/results/compare-$old-$new"
mkdir -p "$out"
for which in old new; do
  commit=$([ "$which" = old ] && echo "$old" || echo "$new")
  git worktree add -q --detach "$work/$which" "$commit"
  if [ "$which" = old ] && [ -n "${OLD_PATCH:-}" ]; then git -C "$work/old" apply "$PWD/$OLD_PATCH"; fi
  dotnet build "$work/$which/bench/NetGen.Benchmarks" -c Release -v q -nologo >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for which in old new; do
    read -r -a filter <<< "${FILTER:-*.Generated *.Interpreted}"
    if [ "$which" = new ] && [ -n "${NEW_FILTER:-}" ]; then read -r -a extra <<< "$NEW_FILTER"; filter+=("${extra[@]}"); fi
    if [ "$which" = new ] && [ "$full" = full ]; then filter=('*'); fi
    (cd "$work/$which" && dotnet run -c Release --no-build --project bench/NetGen.Benchmarks -- --short --iterationCount 7 \
        --filter "${filter[@]}" $([ "$which" = new ] && echo "${NEW_ARGS:-}") --artifacts "$work/artifacts-$which-$round" >"$work/log-$which-$round.txt")
    mkdir -p "$out/$which-run$round"
    cp "$work/artifacts-$which-$round"/results/*-report-github.md "$out/$which-run$round/"
  done
done
for which in old new; do git worktree remove --force "$work/$which"; done
echo "$out"
