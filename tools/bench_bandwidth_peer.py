"""PyTorch's side of tools/bench_bandwidth: the same chain, in place on a
tensor of --elements floats (v.copy_(sqrt(v * v + 1) * 0.5): four
elementwise kernels and a copy), and a plain copy of the tensor, each timed
as the median of individually timed, synchronized iterations. Prints one
`key value` line per figure.
"""
import argparse
import statistics
import time

import torch


def median_seconds(fn, iters, warmup, sync):
    for _ in range(warmup):
        fn()
        sync()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--elements", type=int, required=True)
    parser.add_argument("--iters", type=int, required=True)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    v = torch.zeros(args.elements, device=device)
    print(f"version {torch.__version__}")
    chain = median_seconds(lambda: v.copy_(torch.sqrt(v * v + 1) * 0.5), args.iters, 3, sync)
    print(f"chain_ms {chain * 1e3:.6f}")
    copy = median_seconds(lambda: v.clone(), args.iters, 3, sync)
    print(f"copy_ms {copy * 1e3:.6f}")


if __name__ == "__main__":
    main()
