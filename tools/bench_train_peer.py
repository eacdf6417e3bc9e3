"""PyTorch's side of tools/bench_train: the same MLP training step (784-512-
512-10, ReLU, float32, cross-entropy averaged over the batch; SGD with
lr 0.01 or Adam with lr 1e-3), timed the same way (median over repeats of
the mean time of consecutive steps, after warm-up steps). Prints one
`key value` line per figure.

Run by bench_train, which passes the settings:
    python3 tools/bench_train_peer.py --threads 1 --steps 20 --repeats 7 \
        --warmup 5 --batches 64,256,1024 --optimizers sgd,adam [--device cuda]

With --device cuda the model lives on the GPU and each step moves the fixed
batch there from the host (as a Run's feeds are host tensors); it also
prints gemm_<batch>_ms, the time of the step's eight matrix products alone
(three forward, three weight gradients, two input gradients) with torch.mm.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def median_seconds_per_step(step, steps, repeats, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def make_model():
    # Same initial weights for every figure, as bench_train's fresh graphs.
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 10))


def gemms(batch, device, cache={}):
    """The step's products: forward x W for 784-512, 512-512, 512-10; the
    weight gradients h^T g of each layer; the input gradients g W^T of the
    two upper layers."""
    if batch not in cache:
        g = torch.Generator(device=device).manual_seed(0)
        sizes = [784, 512, 512, 10]
        hs = [torch.rand(batch, n, generator=g, device=device) for n in sizes]
        ws = [torch.rand(sizes[i], sizes[i + 1], generator=g, device=device) for i in range(3)]
        cache[batch] = (hs, ws)
    hs, ws = cache[batch]
    for i in range(3):
        torch.mm(hs[i], ws[i])
        torch.mm(hs[i].t(), hs[i + 1])
        if i > 0:
            torch.mm(hs[i + 1], ws[i].t())
    torch.cuda.synchronize()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--batches", required=True)
    parser.add_argument("--optimizers", required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.set_num_threads(args.threads)
    print(f"version {torch.__version__}")
    print(f"threads {torch.get_num_threads()}")

    generator = torch.Generator().manual_seed(0)
    for name in args.optimizers.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.rand(batch, 784, generator=generator)
            y = torch.randint(0, 10, (batch,), generator=generator)
            model = make_model().to(device)
            if name == "sgd":
                opt = torch.optim.SGD(model.parameters(), lr=0.01)
            else:
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)

            def step():
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(x.to(device)), y.to(device))
                loss.backward()
                opt.step()
                # bench_train fetches the loss; reading it here costs as much.
                return loss.item()

            seconds = median_seconds_per_step(step, args.steps, args.repeats, args.warmup)
            print(f"train_{name}_{batch}_ms {seconds * 1e3:.6f}")
    if cuda:
        for batch in (int(b) for b in args.batches.split(",")):
            seconds = median_seconds_per_step(lambda: gemms(batch, device), args.steps,
                                              args.repeats, args.warmup)
            print(f"gemm_{batch}_ms {seconds * 1e3:.6f}")


if __name__ == "__main__":
    main()
