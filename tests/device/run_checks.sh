#!/usr/bin/env bash
# The GPU checks of issue 4, as one call on a lent GPU machine (see tests/device/README.md):
#   1. build core, the CLI, the model tests and bench_model_gpu against that machine's Python
#      LibTorch (CUDA), with the libraries .devkit/ carries (tests/device/make_devkit.sh);
#   2. the model tests, fixtures included (their forward runs on the CPU of that LibTorch);
#   3. transformers ↔ flower: random Qwen2ForCausalLM models saved with save_pretrained give the
#      same logits in `flower logits` (CPU and CUDA) as in transformers (transformers_crosscheck.py);
#   4. bench_model_gpu: a Qwen2.5-1.5B-shaped bf16 training step and decoding, tokens/s and MFU;
#   5. a short rq1-synthetic Flower training run on CUDA (the whole training path on the GPU).
# Every step has its own time limit and log under $OUT; the summary is printed last.
#
#   bash tests/device/run_checks.sh [steps…]   # default: all; e.g. "build tests crosscheck"
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
OUT=${OUT:-/tmp/flower-device}
mkdir -p "$OUT"
kit="$root/.devkit"
summary="$OUT/summary.txt"
: > "$summary"
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(build tests crosscheck bench train)
wants() { [[ " ${steps[*]} " == *" $1 "* ]]; }
# step NAME LIMIT_S COMMAND…: runs with a time limit, logs to $OUT/NAME.log, records the outcome.
step() {
    local name=$1 limit=$2; shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name: rc $rc, $((SECONDS - t0)) s" | tee -a "$summary"
    return $rc
}

[ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"  # LibTorch's CMake package finds nvcc
export TORCH_CUDA_ARCH_LIST=9.0 OMP_WAIT_POLICY=PASSIVE FLOWER_REEXECUTED=1 LD_LIBRARY_PATH="$kit/lib:${LD_LIBRARY_PATH:-}"
{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI, "transformers", transformers.__version__)'
    g++ --version | head -1; cmake --version | head -1; which nvcc ninja; nproc
} 2>&1 | tee -a "$summary"

torch_cmake=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
# Which libstdc++ filesystem code LibTorch itself exports (core/util/remove_tree.h says why).
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
for so in "$torch_lib"/libtorch_cpu.so "$torch_lib"/libc10.so; do
    echo "$(basename "$so"): $(nm -D --defined-only "$so" | c++filt | grep -c 'std::filesystem') std::filesystem symbols;" \
         "remove_all: $(nm -D --defined-only "$so" | c++filt | grep 'filesystem::remove_all' | head -2 | tr '\n' ' ')"
done 2>&1 | tee -a "$summary"
build="$root/build-gpu"
if wants build; then
    step configure 120 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DFLOWER_BUILD_GUI=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON \
        -DCMAKE_PREFIX_PATH="$torch_cmake;$kit" -DFLOWER_TEST_SHARED_DIR="$kit/shared" \
        || { tail -40 "$OUT/configure.log"; exit 1; }
    # -k 0: every compile error of this LibTorch version in one pass.
    step build 330 cmake --build "$build" -j "$(nproc)" -- -k 0 flower test_qwen2_config test_qwen2_model \
        test_qwen2_fixtures test_qwen2_checkpoint test_safetensors test_fused_ops test_fused_attention \
        test_gradient_checkpointing test_training_checkpoint test_trainer test_master_weights test_subtb_loss \
        test_flower_objective test_remove_tree bench_model_gpu \
        || grep -E "error|Error" "$OUT/build.log" | head -60
fi
flower="$build/app/flower"
if wants tests; then
    step tests 180 ctest --test-dir "$build" -R "qwen2|safetensors|fused_ops|fused_attention|gradient_checkpointing|training_checkpoint|test_trainer$|master_weights|subtb|flower_objective|remove_tree" \
        --output-on-failure --parallel 8
    grep -E "tests passed|Failed|\*\*\*" "$OUT/tests.log" | tee -a "$summary"
fi
if wants crosscheck; then
    step crosscheck 150 python3 tests/device/transformers_crosscheck.py --flower "$flower" --work "$OUT/crosscheck"
    tail -15 "$OUT/crosscheck.log" | tee -a "$summary"
fi
if wants bench; then
    step bench 180 "$build/tests/bench/model/bench_model_gpu" --reps 5
    cat "$OUT/bench.log" | tee -a "$summary"
fi
if wants train; then
    export FLOWER_TOKENIZER="$kit/tokenizer/tokenizer.json"
    step train 120 "$flower" train --experiment experiments/rq1-synthetic.json --device cuda \
        --db "$OUT/train.sqlite" --json --set max_steps=30 --set evaluation.every_steps=30 --set evaluation.samples=640
    tail -25 "$OUT/train.log" | tee -a "$summary"
fi
echo "---- summary"; cat "$summary"
