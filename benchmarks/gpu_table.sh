#!/usr/bin/env bash
# The GPU table: the CNN workload at batch 256 under float32, mixed_bfloat16 and mixed_float16,
# for handwritten, keras3 and fkeras, 3 repeats each (impls alternating within every repeat).
#
# Made for one prepared run on a GPU machine (one H100/H200, JAX preinstalled, no internet):
#     bash benchmarks/gpu_table.sh
# It needs nothing installed beyond JAX (+ flax/optax for the hand-written loop): the repository
# goes on PYTHONPATH (no `pip install -e .`, which would need the network for its build
# backend), a missing Keras 3 gives `unavailable` keras3 rows, a missing flax/optax gives
# `unavailable` handwritten rows. Budget: ~8 minutes (27 fresh processes of ~10-15 s each).
#
# Output: JSON lines in $OUT/gpu_table.jsonl (./gpu_table.jsonl if $OUT is unset), the
# Markdown tables on stdout and in $OUT/gpu_table.md.
#
# Knobs (environment): GPU_TABLE_STEPS (timed steps, default 300), GPU_TABLE_REPEATS (3),
# GPU_TABLE_BATCH (256), GPU_TABLE_WARMUP (10), GPU_TABLE_POLICIES ("float32 mixed_bfloat16
# mixed_float16"), GPU_TABLE_IMPLS (handwritten,keras3,fkeras), GPU_TABLE_CHILD_TIMEOUT_S (120),
# GPU_TABLE_BUDGET_S (320: a policy is not started after this many seconds, so that
# three equal policies end by ~480 s), PYTHON.
# CPU check of the whole script: GPU_TABLE_STEPS=2 GPU_TABLE_REPEATS=1 bash benchmarks/gpu_table.sh
set -u -o pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
OUT_DIR="${OUT:-.}"
mkdir -p "$OUT_DIR"
JSONL="$OUT_DIR/gpu_table.jsonl"
MD="$OUT_DIR/gpu_table.md"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
STEPS="${GPU_TABLE_STEPS:-300}"
REPEATS="${GPU_TABLE_REPEATS:-3}"
BATCH="${GPU_TABLE_BATCH:-256}"
WARMUP="${GPU_TABLE_WARMUP:-10}"
POLICIES="${GPU_TABLE_POLICIES:-float32 mixed_bfloat16 mixed_float16}"
IMPLS="${GPU_TABLE_IMPLS:-handwritten,keras3,fkeras}"
CHILD_TIMEOUT="${GPU_TABLE_CHILD_TIMEOUT_S:-120}"
BUDGET="${GPU_TABLE_BUDGET_S:-320}"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"

echo "# gpu_table: $(date -u +%Y-%m-%dT%H:%M:%SZ), repo $REPO, python $PY"
echo "# cnn, batch $BATCH, $STEPS timed steps, warmup $WARMUP, $REPEATS repeats, policies: $POLICIES; impls: $IMPLS"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L
if ! "$PY" -c "import jax; print('# jax', jax.__version__, jax.default_backend(), jax.devices())"; then
    echo "gpu_table: JAX does not import with $PY; nothing to measure." >&2
    exit 1
fi
"$PY" - <<'EOF'
import importlib
for name, what in (("fkeras", "fkeras rows"), ("keras", "keras3 rows"), ("flax", "handwritten rows"), ("optax", "handwritten rows")):
    try:
        m = importlib.import_module(name)
        print(f"# {name} {getattr(m, '__version__', '?')}")
    except Exception as e:  # reported, and run.py marks those rows 'unavailable'
        print(f"# {name} does not import ({type(e).__name__}: {e}); {what} will be 'unavailable'")
EOF

: > "$JSONL"
: > "$MD"
start=$SECONDS
status=0
for policy in $POLICIES; do
    if (( SECONDS - start > BUDGET )); then
        echo "# gpu_table: over the ${BUDGET} s budget after $((SECONDS - start)) s; skipping policy $policy" | tee -a "$MD" >&2
        continue
    fi
    part="$OUT_DIR/gpu_table.$policy.jsonl.part"
    table="$("$PY" -m benchmarks.run --workloads cnn --impls "$IMPLS" --policy "$policy" \
        --batch "cnn=$BATCH" --steps "cnn=$STEPS" --warmup "$WARMUP" --repeats "$REPEATS" \
        --timeout "$CHILD_TIMEOUT" --json-out "$part" --quiet)" || status=$?
    cat "$part" >> "$JSONL" 2>/dev/null && rm -f "$part"
    printf '%s\n\n' "$table" | tee -a "$MD"
    echo "# $policy done at $((SECONDS - start)) s" >&2
done
echo "Across policies (medians from separate runs, one per policy):" | tee -a "$MD"
echo | tee -a "$MD"
"$PY" - "$JSONL" <<'EOF' | tee -a "$MD"
import json, sys
from benchmarks.run import policy_table
s = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(policy_table([r for r in s if r.get("type") == "summary"]))
EOF
echo "# gpu_table: $((SECONDS - start)) s; JSON lines in $JSONL, tables in $MD" >&2
exit $status
