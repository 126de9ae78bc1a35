#!/usr/bin/python3
"""The GAN training steps of bench/bench_gan_step.cpp, written in PyTorch.

One step is what nash::gan::Trainer::step() does (gan/trainer.cpp): k = 1 D step (WGAN-GP: 5
critic steps with the gradient penalty), then one G step, on the same networks (gan/models.cpp,
layer for layer), losses (gan/losses.cpp), optimizers, batch (64) and synthetic data (uniform
[-1, 1] images [6400, 1, 28, 28], uniform labels, drawn in shuffled batches like nash's
DataLoader). Warm-up steps, then the median wall time of single steps (and the median process
CPU time, all threads, the steadier measure on a busy machine).

Prints one line per case, named as the C++ benchmark names its cases:
  gan_step/<case>/threads:<n> ms=<median> ms_mean=<mean> steps/s=<1000/ms> cpu_ms=<median>
      params_g=<P> params_d=<P> steps=<timed steps>

  /usr/bin/python3 bench/torch_gan_step.py --threads 1 2 --seconds 2
(PyTorch 1.13 CPU is Debian's python3-torch, importable from /usr/bin/python3.) Each thread count
runs in its own process with OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set before torch is
imported, so a "1 thread" run cannot hand its GEMMs to a second OpenBLAS thread.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = ("gan", "cgan", "wgan-gp", "dcgan")
BATCH = 64
POOL = 100 * BATCH
NOISE = 100
CLASSES = 10


def build(torch, nn, case):
    """G and D of gan/models.cpp for a case (inplace LeakyReLU, as PyTorch-GAN writes them)."""

    class MlpGenerator(nn.Module):  # make_mlp_generator: gan.py / cgan.py
        def __init__(self, classes):
            super().__init__()
            self.label_emb = nn.Embedding(classes, classes) if classes else None
            layers, width = [], NOISE + classes
            for w in (128, 256, 512, 1024):
                layers.append(nn.Linear(width, w))
                if w != 128:
                    layers.append(nn.BatchNorm1d(w, 0.8))  # gan.py: 0.8 lands in eps
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                width = w
            layers += [nn.Linear(width, 28 * 28), nn.Tanh()]
            self.model = nn.Sequential(*layers)

        def forward(self, z, labels):
            x = z if self.label_emb is None else torch.cat([self.label_emb(labels), z], 1)
            return self.model(x).view(z.size(0), 1, 28, 28)

    class MlpDiscriminator(nn.Module):  # make_mlp_discriminator: gan.py / cgan.py
        def __init__(self, classes):
            super().__init__()
            self.label_emb = nn.Embedding(classes, classes) if classes else None
            if not classes:
                self.model = nn.Sequential(
                    nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(256, 1))
            else:
                self.model = nn.Sequential(
                    nn.Linear(784 + classes, 512), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(512, 1))

        def forward(self, x, labels):
            x = x.flatten(1)
            if self.label_emb is not None:
                x = torch.cat([x, self.label_emb(labels)], 1)
            return self.model(x)

    class DcganGenerator(nn.Module):  # make_dcgan_generator(100, 28)
        def __init__(self):
            super().__init__()
            s = 28 // 4
            self.model = nn.Sequential(
                nn.Linear(NOISE, 128 * s * s), nn.Unflatten(1, (128, s, s)),
                nn.BatchNorm2d(128), nn.Upsample(scale_factor=2),
                nn.Conv2d(128, 128, 3, 1, 1), nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2, inplace=True),
                nn.Upsample(scale_factor=2),
                nn.Conv2d(128, 64, 3, 1, 1), nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(64, 1, 3, 1, 1), nn.Tanh())

        def forward(self, z, labels):
            return self.model(z)

    class DcganDiscriminator(nn.Module):  # make_dcgan_discriminator(28, batch_norm=true)
        def __init__(self):
            super().__init__()
            layers, width, size = [], 1, 28
            for w in (16, 32, 64, 128):
                layers += [nn.Conv2d(width, w, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                           nn.Dropout2d(0.25)]
                if w != 16:
                    layers.append(nn.BatchNorm2d(w, 0.8))
                width, size = w, (size + 2 - 3) // 2 + 1  # 28 -> 14 -> 7 -> 4 -> 2
            layers += [nn.Flatten(1), nn.Linear(128 * size * size, 1)]
            self.model = nn.Sequential(*layers)

        def forward(self, x, labels):
            return self.model(x)

    if case == "dcgan":
        return DcganGenerator(), DcganDiscriminator()
    classes = CLASSES if case == "cgan" else 0
    return MlpGenerator(classes), MlpDiscriminator(classes)


class Trainer:
    """gan/trainer.cpp's step, statement for statement (statistics included: they cost syncs)."""

    def __init__(self, torch, nn, case):
        self.torch, self.F = torch, nn.functional
        torch.manual_seed(1)
        self.case = case
        self.wgan_gp = case == "wgan-gp"
        self.conditional = case == "cgan"
        self.g, self.d = build(torch, nn, case)
        lr, betas = (1e-4, (0.0, 0.9)) if self.wgan_gp else (2e-4, (0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr, betas=betas)
        self.x = torch.rand(POOL, 1, 28, 28) * 2 - 1
        self.labels = torch.randint(0, CLASSES, (POOL,))
        self.order, self.position = torch.randperm(POOL), 0

    def real_batch(self):  # nn::DataLoader::next(): a shuffled epoch, gathered batch by batch
        if self.position + BATCH > POOL:
            self.order, self.position = self.torch.randperm(POOL), 0
        idx = self.order[self.position:self.position + BATCH]
        self.position += BATCH
        return self.x.index_select(0, idx), self.labels.index_select(0, idx)

    def noise(self):
        return self.torch.randn(BATCH, NOISE)

    def random_labels(self):
        return self.torch.randint(0, CLASSES, (BATCH,)) if self.conditional else None

    @staticmethod
    def grad_norm(params):
        return sum(p.grad.square().sum().item() for p in params if p.grad is not None) ** 0.5

    def discriminator_step(self):
        torch, F = self.torch, self.F
        x, labels = self.real_batch()
        if not self.conditional:
            labels = None
        fake_labels = self.random_labels()
        with torch.no_grad():
            fake = self.g(self.noise(), fake_labels)
        real_logits = self.d(x, labels)
        fake_logits = self.d(fake, fake_labels)
        # loss_D = -[log D(x) + log(1 - D(x~))]
        loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        self.opt_d.zero_grad(set_to_none=True)  # nash's zero_grad drops the gradients
        loss.backward()
        self.grad_norm_d = self.grad_norm(self.d.parameters())
        self.opt_d.step()
        self.stats = (loss.item(), torch.sigmoid(real_logits.detach()).mean().item(),
                      torch.sigmoid(fake_logits.detach()).mean().item())

    def critic_step(self):
        torch = self.torch
        x, _ = self.real_batch()
        with torch.no_grad():
            fake = self.g(self.noise(), None)
        real_scores = self.d(x, None)
        fake_scores = self.d(fake, None)
        loss = fake_scores.mean() - real_scores.mean()  # E f(x~) - E f(x)
        # + lambda E (||grad_xhat f(xhat)||_2 - 1)^2,  xhat = eps x + (1 - eps) x~
        eps = torch.rand(BATCH, 1, 1, 1)
        xhat = (eps * x + (1 - eps) * fake).requires_grad_(True)
        g = torch.autograd.grad(self.d(xhat, None).sum(), xhat, retain_graph=True,
                                create_graph=True)[0]
        norms = (g.flatten(1).square().sum(1) + 1e-12).sqrt()
        loss = loss + (norms - 1).square().mean() * 10.0
        self.gp_norm = norms.mean().item()
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.grad_norm_d = self.grad_norm(self.d.parameters())
        self.opt_d.step()
        self.stats = (loss.item(), real_scores.detach().mean().item(),
                      fake_scores.detach().mean().item())

    def generator_step(self):
        torch, F = self.torch, self.F
        labels = self.random_labels()
        for p in self.d.parameters():  # D only judges: its parameters get no gradients
            p.requires_grad_(False)
        try:
            scores = self.d(self.g(self.noise(), labels), labels)
            if self.wgan_gp:
                loss = -scores.mean()  # -E f(G(z))
            else:  # -log D(G(z)), non-saturating
                loss = F.binary_cross_entropy_with_logits(scores, torch.ones_like(scores))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            for p in self.d.parameters():
                p.requires_grad_(True)
        self.grad_norm_g = self.grad_norm(self.g.parameters())
        self.opt_g.step()
        self.g_loss = loss.item()

    def step(self):
        for _ in range(5 if self.wgan_gp else 1):
            if self.wgan_gp:
                self.critic_step()
            else:
                self.discriminator_step()
        self.generator_step()


def run(cases, threads, seconds, warmup, min_steps):
    import torch
    import torch.nn as nn

    torch.set_num_threads(threads)
    for case in cases:
        t = Trainer(torch, nn, case)
        for _ in range(warmup):
            t.step()
        ms, cpu_ms, start = [], [], time.perf_counter()
        while len(ms) < min_steps or time.perf_counter() - start < seconds:
            c0, t0 = time.process_time(), time.perf_counter()
            t.step()
            ms.append((time.perf_counter() - t0) * 1e3)
            cpu_ms.append((time.process_time() - c0) * 1e3)
        median = statistics.median(ms)
        params_g = sum(p.numel() for p in t.g.parameters())
        params_d = sum(p.numel() for p in t.d.parameters())
        print(f"gan_step/{case}/threads:{threads} ms={median:.4f} "
              f"ms_mean={statistics.fmean(ms):.4f} steps/s={1e3 / median:.4f} "
              f"cpu_ms={statistics.median(cpu_ms):.4f} params_g={params_g} params_d={params_d} "
              f"steps={len(ms)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    ap.add_argument("--seconds", type=float, default=1.0, help="timed seconds per case (at least)")
    ap.add_argument("--min-steps", type=int, default=3, help="timed steps per case (at least)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        run(a.cases, a.threads[0], a.seconds, a.warmup, a.min_steps)
        return
    for n in a.threads:  # one process per thread count: the env must be set before torch loads
        env = dict(os.environ, OMP_NUM_THREADS=str(n), OPENBLAS_NUM_THREADS=str(n))
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--threads", str(n),
               "--cases", *a.cases, "--seconds", str(a.seconds), "--min-steps", str(a.min_steps),
               "--warmup", str(a.warmup)]
        rc = subprocess.call(cmd, env=env)
        if rc != 0:
            sys.exit(rc)


if __name__ == "__main__":
    main()
