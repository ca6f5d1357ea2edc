#!/bin/sh
# SASRec seconds per epoch: ours (build/tests/bench/sasrec/bench_sasrec) and the reference's own
# PyTorch script (reference_sasrec.py; needs Debian's python3-torch, python3-pandas, python3-tqdm,
# installed by hand for this benchmark only), one after the other on the same machine and threads,
# ours again at the end (the machine's speed drifts).
#   tests/bench/sasrec/run_side_by_side.sh BUILD_DIR REFERENCE_GIT_DIR [EPOCHS]
set -e
build=$1; ref=$2; epochs=${3:-3}
here=$(dirname "$0")
"$build/tests/bench/sasrec/bench_sasrec" --epochs "$epochs" --threads 2 | tail -2
/usr/bin/python3 "$here/reference_sasrec.py" --reference-git "$ref" --epochs "$epochs" --threads 2
"$build/tests/bench/sasrec/bench_sasrec" --epochs "$epochs" --threads 2 | tail -2
