#!/usr/bin/env bash
# Trains the RQ3 ablation of docs/benchmarks.md: {spatial-aware, plain} style encoder x
# {with, without} EBST x seeds 1 and 2, all on the same generator budget (2400 generator
# steps: 1600 DMN + 800 EBST, or 2400 DMN), the cpu_demo recipe with an ngf 8 generator of
# 4 downsamplings and no edit-region loss (as the ablation was run; cpu_demo now has 2 and the loss).
# The eight runs go in parallel (meant for one GPU: on an H100 each took 240-304 s of training,
# the cards' train_seconds), then each is exported to OUTDIR/NAME.safetensors. On 2 CPU cores
# run two at a time with PARALLEL=2 (each run uses one thread). An estimate, not measured: by
# docs/training.md's CPU seconds per step (0.18 / 2.0 / 3.3 for MaskVAE / DMN / EBST, measured
# with an ngf 16 generator, so an upper bound for ngf 8) a run with EBST needs about 5,900 CPU
# seconds and one without about 4,900, some 12 CPU-hours for all eight, so up to about 6 hours.
#   benchmarks/ablation_train.sh OUTDIR [--set run.device=cuda ...]
# Then: python benchmarks/ablation_eval.py OUTDIR
set -u
out=${1:?usage: ablation_train.sh OUTDIR [extra maskgan train arguments]}
shift
python=${PYTHON:-python3}
parallel=${PARALLEL:-8}
mkdir -p "$out"

common=(--config cpu_demo --set model.generator.ngf=8 --set model.generator.n_downsample=4 --set loss.edit_region_l1=0
        --set data.num_workers=1 --set run.threads=1
        --set schedule.mask_vae_steps=400 --set log.checkpoint_every=400 --set log.sample_every=800)
names=()
for seed in 1 2; do
  for style in spatial plain; do
    for ebst in ebst noebst; do
      name="${style}_${ebst}_seed${seed}"
      names+=("$name")
      if [ "$ebst" = ebst ]; then steps=(--set schedule.dmn_steps=1600 --set schedule.ebst_steps=800)
      else steps=(--set schedule.dmn_steps=2400 --set schedule.ebst_steps=0); fi
      spatial=$([ "$style" = spatial ] && echo true || echo false)
      "$python" -m maskgan train "${common[@]}" "${steps[@]}" --set run.seed="$seed" \
        --set model.generator.spatial_style="$spatial" --run "$out/$name" "$@" > "$out/$name.log" 2>&1 &
      while [ "$(jobs -r | wc -l)" -ge "$parallel" ]; do sleep 2; done
    done
  done
done
wait
status=0
for name in "${names[@]}"; do
  "$python" -m maskgan train export "$out/$name" "$out/$name.safetensors" || { echo "export of $name failed; see $out/$name.log"; status=1; }
done
exit $status
