#!/usr/bin/python3
"""The PyTorch twin of `nash train --data fashion-mnist --model gan|dcgan`, for peak memory.

Trains the same networks, losses, optimisers and batch (64) as bench/torch_gan_step.py (imported
from there, so both scripts train one definition) on Fashion-MNIST, holding the data as
PyTorch-GAN does through torchvision's MNIST dataset: the IDX files read into one uint8 tensor
[N, 1, 28, 28], each batch gathered and converted to float in [-1, 1]. Like PyTorch-GAN it
writes a sample batch at step 0 (sample_interval) and, like nash, the networks' state at the end.
scripts/peak_rss_vs_torch.sh runs it under /usr/bin/time beside `nash train`.

  /usr/bin/python3 scripts/peak_rss_vs_torch.py --model gan --steps 300 --out /tmp/x
"""
import argparse
import gzip
import importlib.util
import os
import sys

import numpy as np


def read_idx(path):
    """An IDX file (raw or .gz) as a numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data_dir, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    sys.exit(f"peak_rss_vs_torch.py: {stem}[.gz] not found in {data_dir}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=("gan", "cgan", "wgan-gp", "dcgan"), default="gan")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()

    import torch
    import torch.nn as nn

    torch.set_num_threads(a.threads)
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "torch_gan_step", os.path.join(here, "..", "bench", "torch_gan_step.py"))
    twin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(twin)

    # torchvision.datasets.MNIST keeps the images as one uint8 tensor and the labels as int64.
    images = torch.from_numpy(read_idx(find(a.data, "train-images-idx3-ubyte")).copy()).unsqueeze(1)
    labels = torch.from_numpy(read_idx(find(a.data, "train-labels-idx1-ubyte")).astype(np.int64))

    class FashionTrainer(twin.Trainer):
        def __init__(self):
            super().__init__(torch, nn, a.model)
            self.x, self.labels = None, None  # the twin's synthetic pool: not used here
            self.order, self.position = torch.randperm(images.size(0)), 0

        def real_batch(self):  # a shuffled epoch, gathered and converted batch by batch
            if self.position + twin.BATCH > images.size(0):
                self.order, self.position = torch.randperm(images.size(0)), 0
            idx = self.order[self.position:self.position + twin.BATCH]
            self.position += twin.BATCH
            x = images.index_select(0, idx).float().div_(127.5).sub_(1.0)
            return x, labels.index_select(0, idx)

    t = FashionTrainer()
    os.makedirs(a.out, exist_ok=True)
    for step in range(a.steps):
        t.step()
        if step == 0:  # PyTorch-GAN: save_image(gen_imgs.data[:25], ...) every sample_interval
            with torch.no_grad():
                samples = t.g(t.noise(), t.random_labels())[:25]
            torch.save(samples, os.path.join(a.out, "samples.pt"))
    torch.save({"g": t.g.state_dict(), "d": t.d.state_dict(),
                "opt_g": t.opt_g.state_dict(), "opt_d": t.opt_d.state_dict()},
               os.path.join(a.out, "checkpoint.pt"))
    print(f"peak_rss_vs_torch.py: {a.model}, {a.steps} steps, last G loss {t.g_loss:.4f}")


if __name__ == "__main__":
    main()
