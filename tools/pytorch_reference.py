"""PyTorch reference figures for `nexus bench nn`, measured on this machine.

Run by hand (not in CI: it needs PyTorch): python3 -m venv /tmp/torchenv &&
/tmp/torchenv/bin/pip install torch && /tmp/torchenv/bin/python tools/pytorch_reference.py

Mirrors NNBench: the same MLP shapes with tanh, one training step = forward, backward of a
given output gradient, Adam; inference = forward without autograd. Prints microseconds
(median of rounds) for 1 and 2 threads.
"""
import statistics
import time

import torch


def mlp(sizes):
    layers = []
    for index, (inputs, outputs) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(inputs, outputs))
        if index < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def seconds_per_call(body, target=0.3, rounds=7):
    body()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            body()
        if time.perf_counter() - start > target / rounds:
            break
        calls *= 2
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def training_step(sizes, batch):
    torch.manual_seed(7)
    network = mlp(sizes)
    optimiser = torch.optim.Adam(network.parameters(), lr=1e-4)
    inputs = torch.rand(batch, sizes[0])
    gradient = torch.rand(batch, sizes[-1]) * 1e-3

    def step():
        optimiser.zero_grad(set_to_none=False)
        network(inputs).backward(gradient)
        optimiser.step()

    return step


def inference(sizes, batch):
    torch.manual_seed(7)
    network = mlp(sizes)
    inputs = torch.rand(batch, sizes[0])

    def forward():
        with torch.no_grad():
            network(inputs)

    return forward


for threads in (1, 2):
    torch.set_num_threads(threads)
    for name, sizes, batch, make in [
        ("train_17-256-256-6_b256", [17, 256, 256, 6], 256, training_step),
        ("train_4-64-64-2_b64", [4, 64, 64, 2], 64, training_step),
        ("infer_4-64-64-2_b1", [4, 64, 64, 2], 1, inference),
        ("infer_4-64-64-2_b64", [4, 64, 64, 2], 64, inference),
        ("infer_17-256-256-6_b1", [17, 256, 256, 6], 1, inference),
    ]:
        print(f"torch {torch.__version__} threads={threads} {name}: {seconds_per_call(make(sizes, batch)) * 1e6:.1f} us")
