#!/usr/bin/env python3
"""transformers ↔ flower: the same Qwen2 checkpoint must give the same logits in both.

Runs where Python has torch, transformers and safetensors (the lent GPU machines do; this
project's CI machine does not, so this is not a ctest). For each case a randomly initialised
Qwen2ForCausalLM is written with save_pretrained, exactly as a user's fine-tuned model would be;
`flower logits` runs it on a left-padded batch, and its logits are compared where the attention
mask is 1 with transformers' own forward of the reloaded directory in float64 on the CPU
run row by row on the real tokens alone (positions 0, 1, …: what the left-padded row's
positions cumsum(mask) − 1 give).

Cases: tied head, fp32 weights, one file; untied head, bf16 weights, sharded. The weights are
drawn with a larger spread than Qwen2's initialiser (and random biases and norm gains) so that
every part of the forward moves the logits. Tolerances: fp32 runs ≤ 1e-4 absolute (the fixture
tests' bound) on logits of order 1; a bf16 run is reported against the float64 reference and
against transformers' own bf16 forward on the same device, and must stay within 5% of the
logits' range (bf16 has 8 mantissa bits; the two implementations round in different places).

  python3 tests/device/transformers_crosscheck.py --flower build/app/flower --work /tmp/xcheck
"""
import argparse
import json
import os
import subprocess
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import Qwen2Config, Qwen2ForCausalLM

THETA = 50000.0  # not transformers' default, so a reader that ignores it fails


def make_config(tie):
    kw = dict(vocab_size=1024, hidden_size=128, intermediate_size=352, num_hidden_layers=3,
              num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=256,
              rms_norm_eps=1e-6, tie_word_embeddings=tie, bos_token_id=1, eos_token_id=2)
    try:  # transformers >= 5
        return Qwen2Config(**kw, rope_parameters={"rope_type": "default", "rope_theta": THETA})
    except TypeError:
        return Qwen2Config(**kw, rope_theta=THETA)


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            elif name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.08)


def batch(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    B, T = 3, 14
    ids = torch.randint(3, vocab, (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, :4] = 0  # left padding
    mask[2, :10] = 0
    ids = ids.masked_fill(mask == 0, 0)
    return ids, mask


def reference(model_dir, ids, mask, dtype, device):
    """transformers' logits of every row's real tokens, each row run alone without padding (what
    a left-padded row must reproduce: the padded positions of a batch are masked out, and an
    eager forward of fully masked padding queries can be NaN in transformers itself, which then
    reaches real positions through 0 × NaN). Padded positions are left at 0."""
    kwargs = {"attn_implementation": "eager"}
    try:
        model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=dtype, **kwargs)
    except TypeError:
        model = Qwen2ForCausalLM.from_pretrained(model_dir, torch_dtype=dtype, **kwargs)
    model = model.to(device).eval()
    assert next(model.parameters()).dtype == dtype
    out = torch.zeros(*ids.shape, model.config.vocab_size, dtype=torch.float64)
    with torch.no_grad():
        for r in range(ids.shape[0]):
            keep = mask[r].bool()
            row = ids[r][keep].unsqueeze(0).to(device)
            out[r, keep] = model(input_ids=row).logits[0].to("cpu", torch.float64)
    return out


def run_flower(flower, model_dir, inp, out, dtype, device):
    cmd = [flower, "logits", "--model", model_dir, "--input", inp, "--out", out, "--dtype", dtype,
           "--device", device]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return load_file(out)["logits"].to(torch.float64)


def compare(got, want, mask):
    keep = mask.bool()
    d = (got - want).abs()[keep]  # [real tokens, V]
    scale = want.abs()[keep].max().item()
    return d.max().item(), scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flower", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    cuda = torch.cuda.is_available()
    results, failed = [], False

    for name, tie, wdtype, shard in [("tied-f32", True, torch.float32, None),
                                     ("untied-bf16-sharded", False, torch.bfloat16, "300KB")]:
        model_dir = os.path.join(a.work, name)
        torch.manual_seed(0)
        model = Qwen2ForCausalLM(make_config(tie))
        randomise(model, seed=len(name))
        model = model.to(wdtype)
        if shard:
            model.save_pretrained(model_dir, max_shard_size=shard)
        else:
            model.save_pretrained(model_dir)
        files = sorted(os.listdir(model_dir))
        print(f"{name}: saved {files}")
        print(f"{name}: config.json {json.load(open(os.path.join(model_dir, 'config.json')))}")
        info = subprocess.run([a.flower, "model-info", model_dir], capture_output=True, text=True)
        print(info.stdout.strip().splitlines()[0] if info.returncode == 0 else info.stderr.strip())

        ids, mask = batch(1024, seed=3)
        inp = os.path.join(a.work, f"{name}-input.safetensors")
        save_file({"input_ids": ids.contiguous(), "attention_mask": mask.contiguous()}, inp)
        want, ref = reference(model_dir, ids, mask, torch.float64, "cpu"), "transformers float64/cpu"
        if not torch.isfinite(want[mask.bool()]).all():
            print(f"{name}: transformers' float64 forward is not finite; float32 is the reference")
            want, ref = reference(model_dir, ids, mask, torch.float32, "cpu"), "transformers float32/cpu"

        runs = [("float32", "cpu")] + ([("float32", "cuda"), ("bfloat16", "cuda")] if cuda else [])
        for dtype, device in runs:
            got = run_flower(a.flower, model_dir, inp, os.path.join(a.work, f"{name}-{dtype}-{device}.safetensors"),
                             dtype, device)
            err, scale = compare(got, want, mask)
            row = {"case": name, "flower": f"{dtype}/{device}", "vs": ref,
                   "max_abs": err, "logit_range": scale}
            if dtype == "float32":
                row["ok"] = err <= 1e-4 * max(1.0, scale)
            else:
                hf = reference(model_dir, ids, mask, torch.bfloat16, device)
                hf_err, _ = compare(hf, want, mask)
                own, _ = compare(got, hf, mask)
                row.update({"transformers_bf16_vs_ref": hf_err, "flower_vs_transformers_bf16": own,
                            "ok": err <= 0.05 * scale})
            failed |= not row["ok"]
            results.append(row)

    with open(os.path.join(a.work, "crosscheck.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\n{'case':<22} {'flower':<16} {'max |Δ| vs ref':>16} {'logit range':>12}  extra (ref: transformers, "
          "float64 on the CPU unless said)")
    for r in results:
        extra = ""
        if "flower_vs_transformers_bf16" in r:
            extra = (f"transformers bf16 vs ref {r['transformers_bf16_vs_ref']:.3g}, "
                     f"flower vs transformers bf16 {r['flower_vs_transformers_bf16']:.3g}")
        print(f"{r['case']:<22} {r['flower']:<16} {r['max_abs']:>16.3g} {r['logit_range']:>12.3g}  "
              f"{'ok' if r['ok'] else 'FAIL'} {extra} {'' if 'float64' in r['vs'] else r['vs']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
