#!/usr/bin/python3
"""PyTorch and numpy contenders for `npm run bench` (bench/run.ts).

The same canonical workloads as the TypeScript bench, written the way a PyTorch user would:

- sgemm: float32 C = A·B with `torch.mm` and with numpy's `a @ b` (OpenBLAS), GFLOP/s.
- mlp_train: Linear(784, 512) → ReLU → Linear(512, 10), cross entropy on the logits against
  one-hot targets (Keras's softmax + categorical crossentropy), Adam(lr 1e-3, eps 1e-7),
  batch 128, one shuffled epoch.
- cnn_train: Conv2d(1, 32, 3) → ReLU → MaxPool(2) → Conv2d(32, 64, 3) → ReLU → MaxPool(2) →
  Flatten → Linear(1600, 10); the channels-last 28×28×1 inputs are permuted to NCHW once, before
  timing. Adam, batch 64, one epoch.
- convnet_train: the MNIST convnet of Deep Learning with Python (ch. 8): Conv2d(1, 32, 3) → ReLU
  → MaxPool(2) → Conv2d(32, 64, 3) → ReLU → MaxPool(2) → Conv2d(64, 128, 3) → ReLU → Flatten →
  Linear(1152, 10), cross entropy on the logits against integer labels (Keras's softmax + sparse
  categorical crossentropy), RMSprop(lr 1e-3, alpha 0.9, eps 1e-7), batch 64, one epoch.
- lstm_train: Embedding(10000, 32) → LSTM(32) (last hidden state) → Linear(32, 1), binary cross
  entropy on the logit (Keras's sigmoid + binary crossentropy), RMSprop(lr 1e-3, alpha 0.9 like
  Keras's rho, eps 1e-7), length-100 int sequences, batch 64, one epoch.
- mlp_predict: the MLP under `torch.no_grad()`, batches of 1000, outputs concatenated into one
  numpy array (the readback).
- op_overhead: `torch.add` of two shape-[4] float32 tensors, and a chain of tiny adds/muls under
  autograd (forward + backward), µs per op.

Each training epoch reads the loss back once per batch (`loss.item()`), as Keras's `fit` does for
its logs. Every contender warms up before it is timed. torch and OpenBLAS run with 2 threads;
bench/python.ts starts this script with LD_LIBRARY_PATH on Debian's OpenMP build of OpenBLAS
(libopenblas0-openmp), whose threads share PyTorch's OpenMP pool instead of fighting it.

Usage:
  /usr/bin/python3 bench/torch_bench.py [--quick] [--only sgemm,mlp_train,…]
      runs every workload (3 timed runs each after a warm-up) and prints one JSON object.
  /usr/bin/python3 bench/torch_bench.py --serve
      the protocol bench/run.ts speaks: one JSON request a line on stdin, one JSON answer a line
      on stdout, so that its measurements interleave with the JavaScript contenders' rounds.
  /usr/bin/python3 bench/torch_bench.py --rss WORKLOAD '{"samples": …, "batchSize": …}'
      in a fresh process: warm up, train one epoch, print the peak RSS (ru_maxrss) as JSON.
"""

import json
import os
import platform
import statistics
import sys
import time

# OpenBLAS reads these when it loads (with numpy or torch). This machine exports
# OPENBLAS_CORETYPE=Haswell, which halves OpenBLAS on an AVX-512 core: let it auto-detect.
for _name in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'):
    os.environ.pop(_name, None)
THREADS = 2
for _name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_name] = str(THREADS)

import numpy as np  # noqa: E402

try:
    import torch  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
    from torch import nn  # noqa: E402

    torch.set_num_threads(THREADS)
    TORCH_ERROR = None
except Exception as e:  # ImportError, or a broken install
    torch = None
    TORCH_ERROR = f'{type(e).__name__}: {e}'

# Pause after each measurement in --serve mode (see serve()).
SETTLE_SECONDS = 0.15

# The canonical sizes; bench/run.ts passes its own (they agree, and shrink with --quick).
FULL = {
    'mlp_train': {'samples': 8192, 'batchSize': 128},
    'cnn_train': {'samples': 1024, 'batchSize': 64},
    'convnet_train': {'samples': 1024, 'batchSize': 64},
    'lstm_train': {'samples': 1024, 'batchSize': 64, 'seqLen': 100, 'vocab': 10000},
    'transformer_train': {'samples': 512, 'batchSize': 32, 'seqLen': 200, 'vocab': 10000},
    'mlp_predict': {'samples': 10000, 'batchSize': 1000},
}
QUICK = {
    'mlp_train': {'samples': 1024, 'batchSize': 128},
    'cnn_train': {'samples': 128, 'batchSize': 64},
    'convnet_train': {'samples': 128, 'batchSize': 64},
    'lstm_train': {'samples': 128, 'batchSize': 64, 'seqLen': 100, 'vocab': 10000},
    'transformer_train': {'samples': 64, 'batchSize': 32, 'seqLen': 200, 'vocab': 10000},
    'mlp_predict': {'samples': 2000, 'batchSize': 1000},
}


def blas_paths():
    """The BLAS/LAPACK files this process mapped (Debian picks libblas.so.3 by alternatives,
    LD_LIBRARY_PATH overrides): what really runs, whatever the environment asked for."""
    try:
        with open('/proc/self/maps') as f:
            return sorted({ln.split()[-1] for ln in f if 'blas' in ln.lower() and '/' in ln})
    except OSError:
        return []


def blas_library():
    """One line naming the BLAS numpy and torch's matmul loaded, from the mapped files."""
    paths = blas_paths()
    if any('openblas' in p for p in paths):
        return 'OpenBLAS (' + ', '.join(paths) + ')'
    if any('/blas/libblas' in p for p in paths):
        return 'reference BLAS (Debian libblas3, unoptimised)'
    return ', '.join(paths) or None


def blas_runtime():
    """threadpoolctl's view of the loaded BLAS (version, threading layer, core type, threads),
    or None where threadpoolctl is not installed (python3-threadpoolctl)."""
    try:
        import threadpoolctl  # noqa: PLC0415
    except ImportError:
        return None
    return [
        {k: lib.get(k) for k in ('internal_api', 'version', 'threading_layer', 'architecture',
                                 'num_threads', 'filepath')}
        for lib in threadpoolctl.threadpool_info()
        if lib.get('user_api') == 'blas'
    ]


def versions():
    """What the header of bench/results.md names."""
    return {
        'python': platform.python_version(),
        'numpy': np.__version__,
        'torch': torch.__version__ if torch else None,
        'torchError': TORCH_ERROR,
        'threads': THREADS,
        'blas': blas_library(),
        'blasRuntime': blas_runtime(),
        'ldLibraryPath': os.environ.get('LD_LIBRARY_PATH'),
        'openblasCoretype': os.environ.get('OPENBLAS_CORETYPE'),
    }


def per_call(fn, min_seconds):
    """Median seconds of one `fn()` call over calls filling at least `min_seconds` (≥ 1 call)."""
    times = []
    start = time.perf_counter()
    while not times or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class Sgemm:
    """C = A·B on n×n float32 matrices; one run is the median call of a short burst."""

    def __init__(self, lib, p):
        self.n = p['n']
        rng = np.random.default_rng(self.n)
        a = rng.random((self.n, self.n), dtype=np.float32)
        b = rng.random((self.n, self.n), dtype=np.float32)
        if lib == 'numpy':
            self.call = lambda: a @ b
        else:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            self.call = lambda: torch.mm(ta, tb)
        self.min_seconds = p.get('minSeconds', 0.1)
        self.work = 2 * self.n**3

    def warmup(self):
        per_call(self.call, 0.05)

    def run(self):
        return per_call(self.call, self.min_seconds)


class Fit:
    """One epoch of shuffled minibatch training, Keras `fit`-style."""

    def __init__(self, workload, p):
        self.samples, self.batch = p['samples'], p['batchSize']
        torch.manual_seed(42)
        rng = np.random.default_rng(1234)
        n = self.samples
        if workload == 'mlp_train':
            self.model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
            self.x = torch.from_numpy(rng.random((n, 784), dtype=np.float32))
            self.y = one_hot(rng, n, 10)
            self.loss = F.cross_entropy
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        elif workload == 'cnn_train':
            self.model = nn.Sequential(
                nn.Conv2d(1, 32, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(64 * 5 * 5, 10),
            )
            nhwc = torch.from_numpy(rng.random((n, 28, 28, 1), dtype=np.float32))
            self.x = nhwc.permute(0, 3, 1, 2).contiguous()
            self.y = one_hot(rng, n, 10)
            self.loss = F.cross_entropy
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        elif workload == 'convnet_train':
            self.model = nn.Sequential(
                nn.Conv2d(1, 32, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(64, 128, 3),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(128 * 3 * 3, 10),
            )
            nhwc = torch.from_numpy(rng.random((n, 28, 28, 1), dtype=np.float32))
            self.x = nhwc.permute(0, 3, 1, 2).contiguous()
            self.y = torch.from_numpy(rng.integers(0, 10, n))
            self.loss = F.cross_entropy
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        elif workload == 'lstm_train':
            vocab, length = p.get('vocab', 10000), p.get('seqLen', 100)
            self.model = LstmClassifier(vocab)
            self.x = torch.from_numpy(rng.integers(0, vocab, (n, length), dtype=np.int64))
            self.y = torch.from_numpy((rng.random((n, 1)) < 0.5).astype(np.float32))
            self.loss = F.binary_cross_entropy_with_logits
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        elif workload == 'transformer_train':
            vocab, length = p.get('vocab', 10000), p.get('seqLen', 200)
            self.model = TransformerClassifier(vocab)
            self.x = torch.from_numpy(rng.integers(0, vocab, (n, length), dtype=np.int64))
            self.y = torch.from_numpy((rng.random((n, 1)) < 0.5).astype(np.float32))
            self.loss = F.binary_cross_entropy_with_logits
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        else:
            raise ValueError(f'unknown training workload {workload}')
        self.work = n

    def epoch(self, samples):
        self.model.train()
        perm = torch.randperm(samples)
        total = 0.0
        for i in range(0, samples, self.batch):
            idx = perm[i : i + self.batch]
            self.opt.zero_grad()
            loss = self.loss(self.model(self.x[idx]), self.y[idx])
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total

    def warmup(self):
        self.epoch(min(self.samples, 2 * self.batch))

    def run(self):
        t0 = time.perf_counter()
        self.epoch(self.samples)
        return time.perf_counter() - t0


if torch is not None:

    class LstmClassifier(nn.Module):
        """Embedding(vocab, 32) → LSTM(32) → Linear(32, 1) on the last hidden state."""

        def __init__(self, vocab):
            super().__init__()
            self.embed = nn.Embedding(vocab, 32)
            self.lstm = nn.LSTM(32, 32, batch_first=True)
            self.out = nn.Linear(32, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.embed(x))
            return self.out(h[-1])


if torch is not None:

    class TransformerClassifier(nn.Module):
        """Embedding(vocab, 32) → one post-norm encoder block (MultiheadAttention(32, 2 heads),
        residual, LayerNorm, Linear(32, 32)+ReLU → Linear(32, 32), residual, LayerNorm) → mean
        over time → Linear(32, 1): Tessera's transformer_train model."""

        def __init__(self, vocab):
            super().__init__()
            self.embed = nn.Embedding(vocab, 32)
            self.attn = nn.MultiheadAttention(32, 2, batch_first=True)
            self.norm1 = nn.LayerNorm(32, eps=1e-3)
            self.ff1 = nn.Linear(32, 32)
            self.ff2 = nn.Linear(32, 32)
            self.norm2 = nn.LayerNorm(32, eps=1e-3)
            self.out = nn.Linear(32, 1)

        def forward(self, x):
            h = self.embed(x)
            a, _ = self.attn(h, h, h, need_weights=False)
            h1 = self.norm1(h + a)
            h2 = self.norm2(h1 + self.ff2(F.relu(self.ff1(h1))))
            return self.out(h2.mean(dim=1))


def one_hot(rng, n, classes):
    labels = torch.from_numpy(rng.integers(0, classes, n))
    return F.one_hot(labels, classes).float()


class Predict:
    """The MLP's forward pass under no_grad, batch by batch, gathered into one numpy array."""

    def __init__(self, p):
        self.samples, self.batch = p['samples'], p['batchSize']
        torch.manual_seed(42)
        rng = np.random.default_rng(1234)
        self.model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
        self.model = nn.Sequential(self.model, nn.Softmax(dim=1)).eval()
        self.x = torch.from_numpy(rng.random((self.samples, 784), dtype=np.float32))
        self.work = self.samples

    def predict(self, samples):
        with torch.no_grad():
            outs = [self.model(self.x[i : i + self.batch]) for i in range(0, samples, self.batch)]
            return torch.cat(outs).numpy()

    def warmup(self):
        self.predict(min(self.samples, self.batch))

    def run(self):
        t0 = time.perf_counter()
        self.predict(self.samples)
        return time.perf_counter() - t0


class OpOverhead:
    """Seconds per tiny op: `add` of two [4] tensors, or a recorded add/mul chain fwd+bwd."""

    def __init__(self, p):
        self.kind, self.ops = p['kind'], p['ops']
        self.a = torch.rand(4)
        self.b = torch.rand(4)
        self.work = self.ops

    def once(self):
        if self.kind == 'add':
            a, b = self.a, self.b
            for _ in range(self.ops):
                torch.add(a, b)
        else:
            x = self.a.clone().requires_grad_(True)
            y = x
            for i in range(self.ops):
                y = y + self.b if i % 2 == 0 else y * self.b
            y.sum().backward()

    def warmup(self):
        self.once()

    def run(self):
        t0 = time.perf_counter()
        self.once()
        return (time.perf_counter() - t0) / self.ops


def make(workload, lib, params):
    if lib == 'pytorch' and torch is None:
        raise RuntimeError(f'import torch failed: {TORCH_ERROR}')
    if workload == 'sgemm':
        return Sgemm(lib, params)
    if lib != 'pytorch':
        raise ValueError(f'{lib} runs only sgemm')
    if workload == 'mlp_predict':
        return Predict(params)
    if workload == 'op_overhead':
        return OpOverhead(params)
    return Fit(workload, params)


def current_rss_kb():
    """This process's resident set now, in KiB (/proc/self/statm counts pages)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 1024


def peak_rss_kb():
    """This process image's peak resident set (VmHWM), in KiB. Not ru_maxrss: Linux carries
    ru_maxrss across execve, so a child of a big parent would report the parent's peak."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss(workload, params):
    """Peak RSS of one training workload in this fresh process: the RSS after the imports,
    then a warm-up and one epoch over `params['samples']`, then the peak (VmHWM, KiB)."""
    start = current_rss_kb()
    job = make(workload, 'pytorch', params)
    job.warmup()
    seconds = job.run()
    peak = peak_rss_kb()
    print(json.dumps({'startKB': start, 'peakKB': peak, 'seconds': seconds,
                      'samples': params['samples'], **versions()}))


def serve():
    """Answers run.ts: `prepare` builds and warms up, `run` times one round, `drop` frees."""
    out = sys.stdout
    out.write(json.dumps({'ready': True, **versions()}) + '\n')
    out.flush()
    live = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        key = req.get('key')
        try:
            if req['op'] == 'prepare':
                live[key] = make(req['workload'], req['lib'], req.get('params', {}))
                live[key].warmup()
                answer = {'ok': True}
            elif req['op'] == 'run':
                answer = {'ok': True, 'seconds': live[key].run()}
                # OpenBLAS's idle threads spin for ~0.1 s after a call: let them fall asleep
                # before the JS contenders' round starts, so they do not steal its core.
                time.sleep(SETTLE_SECONDS)
            elif req['op'] == 'drop':
                live.pop(key, None)
                answer = {'ok': True}
            else:
                raise ValueError(f"unknown op {req['op']}")
        except Exception as e:
            answer = {'error': f'{type(e).__name__}: {e}'.splitlines()[0][:300]}
        out.write(json.dumps(answer) + '\n')
        out.flush()


def standalone(quick, only):
    """Each workload and library once: warm-up, 3 timed runs, medians, one JSON object."""
    sizes = QUICK if quick else FULL
    jobs = [('sgemm', lib, {'n': n}) for n in ([256, 512] if quick else [256, 512, 1024, 2048])
            for lib in ('pytorch', 'numpy')]
    jobs += [(w, 'pytorch', sizes[w]) for w in ('mlp_train', 'cnn_train', 'convnet_train',
                                               'lstm_train', 'transformer_train',
                                               'mlp_predict')]
    jobs += [('op_overhead', 'pytorch', {'kind': k, 'ops': 2000 if quick else 10000})
             for k in ('add', 'grad')]
    results = []
    for workload, lib, params in jobs:
        if only and workload not in only:
            continue
        row = {'workload': workload, 'lib': lib, 'params': params}
        try:
            job = make(workload, lib, params)
            job.warmup()
            seconds = statistics.median(job.run() for _ in range(3))
            row['seconds'] = seconds
            if workload == 'sgemm':
                row['gflops'] = job.work / seconds / 1e9
            elif workload == 'op_overhead':
                row['usPerOp'] = seconds * 1e6
            else:
                row['samplesPerSecond'] = job.work / seconds
        except Exception as e:
            row['error'] = f'{type(e).__name__}: {e}'.splitlines()[0][:300]
        print(f'{workload} {lib} {params}: {row}', file=sys.stderr)
        results.append(row)
    print(json.dumps({**versions(), 'quick': quick, 'results': results}, indent=2))


def main(argv):
    if '--serve' in argv:
        serve()
        return
    if '--rss' in argv:
        i = argv.index('--rss')
        rss(argv[i + 1], json.loads(argv[i + 2]))
        return
    only = None
    if '--only' in argv:
        only = argv[argv.index('--only') + 1].split(',')
    standalone('--quick' in argv, only)


if __name__ == '__main__':
    main(sys.argv[1:])
