#!/usr/bin/env bash
# The prepared GPU checks of benchmarks/README.md as one command, for a lent GPU machine:
# the hull stage with its passes on the GPU (hull.device: cuda) on the full-size pixel space,
# the CIFAR-size set and an ImageNet-size feature set (feature_set.py at SCALE of ImageNet,
# default 0.1: 128,117 x 768), then the ResNet's training throughput and Fashion-MNIST
# accuracy.
#
#   benchmarks/gpu_check.sh FASHION_DIR OUT_DIR
#
# FASHION_DIR holds Debian's four Fashion-MNIST IDX files; results land in OUT_DIR.
# DEVICE (default cuda), THREADS (default: all cores), LIMIT (test points, default all) and
# TRAIN=0 (skip the training check) adjust it; `DEVICE=cpu LIMIT=200 TRAIN=0` is a quick run
# of the same steps on a CPU. Python packages the machine lacks (highspy) must be on PYTHONPATH.
set -euo pipefail
fashion=$1
out=$2
device=${DEVICE:-cuda}
threads=${THREADS:-$(nproc)}
limit=${LIMIT:+--limit $LIMIT}
scale=${SCALE:-0.1}
python=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "$out/data"

echo "== data: the pixel space (uint8 rows, exact), the CIFAR-size set, the feature set"
"$python" benchmarks/pixel_set.py --fashion-mnist "$fashion" --out "$out/data/pixel"
"$python" benchmarks/cifar_size_set.py --fashion-mnist "$fashion" --out "$out/data/cifar-size"
"$python" benchmarks/feature_set.py --scale "$scale" --kind clip --out "$out/data/features"

for set in pixel cifar-size features; do
    case $set in
        pixel) train=$out/data/pixel/train.npy test=$out/data/pixel/test.npy ;;
        cifar-size) train=$out/data/cifar-size/train.npy test=$out/data/cifar-size/test.npy ;;
        features) train=$out/data/features/train_x.npy test=$out/data/features/test_x.npy ;;
    esac
    echo "== hull stage, $set, device $device"
    # shellcheck disable=SC2086
    "$python" benchmarks/hull_distance.py --train "$train" --test "$test" $limit \
        --threads "$threads" --device "$device" --baseline-points 0 --profile 300 \
        --json "$out/hull-$set-$device.json"
done
rm -f "$out"/*.distances.npy

if [ "${TRAIN:-1}" != 0 ]; then
    echo "== training throughput and accuracy, device $device"
    "$python" benchmarks/train_throughput.py --device "$device" --fashion-mnist "$fashion" \
        --json "$out/train-$device.json"
fi
rm -rf "$out/data"
