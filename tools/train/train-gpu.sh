#!/usr/bin/env bash
# Trains the default model on one CUDA GPU from an xz-compressed tokenized corpus, for machines that
# have PyTorch but neither Node nor the repository's build steps (tools/train/README.md, "On a GPU"):
#
#   bash tools/train/train-gpu.sh PACKED_CORPUS_DIR RESULT_DIR MINUTES [train.py options...]
#
# PACKED_CORPUS_DIR holds {train,valid}.{tokens.u16,index.i32}.xz (encode-corpus.ts output, packed with
# `xz -k`). Training stops within MINUTES (train.py --deadline-minutes re-plans the schedule to end on
# time). RESULT_DIR receives config.json, generation_config.json, history.json, train.log and
# model.safetensors in parts of at most 15 MB (model.safetensors.part00, part01, ...; `cat` joins them):
# some transfer channels cap single files.
set -euo pipefail
packed=$1 result=$2 minutes=$3
shift 3
work=$(mktemp -d)
python=${PYTHON:-python3}  # the Python that has torch with CUDA
mkdir -p "$work/data" "$work/out" "$result"
"$python" - "$packed" "$work/data" <<'PY'
import lzma, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for name in ("train.tokens.u16", "train.index.i32", "valid.tokens.u16", "valid.index.i32"):
    with lzma.open(os.path.join(src, name + ".xz")) as f, open(os.path.join(dst, name), "wb") as g:
        shutil.copyfileobj(f, g, 1 << 24)
print("unpacked:", {n: os.path.getsize(os.path.join(dst, n)) for n in sorted(os.listdir(dst))}, flush=True)
PY
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
# The deadline ends training; the outer limit only guards against a hang (final evaluation included).
status=0
timeout $(( minutes * 60 + 180 )) "$python" -u tools/train/train.py --device cuda --data "$work/data" \
  --work "$work" --out "$work/out" --deadline-minutes "$minutes" "$@" 2>&1 | tee "$result/train.log" || status=$?
if [ ! -f "$work/out/model.safetensors" ] && [ -f "$work/ckpt.pt" ]; then
  echo "training ended with status $status before its export: exporting the last checkpoint" | tee -a "$result/train.log"
  "$python" tools/train/export.py --work "$work" --out "$work/out" 2>&1 | tee -a "$result/train.log"
fi
cp "$work/out/config.json" "$work/out/generation_config.json" "$work/history.json" "$result/"
split -b 15000000 -d "$work/out/model.safetensors" "$result/model.safetensors.part"
sha256sum "$work/out/model.safetensors" | tee "$result/model.safetensors.sha256"
exit "$status"
