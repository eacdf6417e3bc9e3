"""PyTorch's side of tools/bench_mlp: the same MLP forward pass and the same
per-call fixed cost, timed the same way (median of individually timed
iterations after a warm-up). Prints one `key value` line per figure.

Run by bench_mlp, which passes the thread count, batches and iterations:
    python3 tools/bench_mlp_peer.py --threads 2 --iters 200 --batches 64,256,1024 \
        [--device cuda]

With --device cuda each call moves its input from the host to the GPU and
its result back, as a tensorgraph Run with host feeds and fetches does.
"""
import argparse
import statistics
import time

import torch


def median_seconds(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--iters", type=int, required=True)
    parser.add_argument("--batches", required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 10)).eval().to(device)
    print(f"version {torch.__version__}")
    print(f"threads {torch.get_num_threads()}")
    with torch.no_grad():
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.randn(batch, 784)
            seconds = median_seconds(lambda: model(x.to(device)).cpu(), args.iters, warmup=20)
            print(f"forward_{batch}_ms {seconds * 1e3:.6f}")
        scalar = torch.zeros(())
        seconds = median_seconds(lambda: (scalar.to(device) + 1.0).cpu(), args.iters * 50,
                                 warmup=1000)
        print(f"call_us {seconds * 1e6:.6f}")
        print(f"call_eager_us {seconds * 1e6:.6f}")


if __name__ == "__main__":
    main()
