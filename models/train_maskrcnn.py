#!/usr/bin/python3
"""Train the bundled "segstream-maskrcnn-tiny" Mask R-CNN from scratch on synthetic clips (CPU).

Run with Debian's interpreter (torch 1.13 / torchvision 0.14), from the repository root, after
``npm run build`` (the clips are made by ``node bin/segstream.js synth``):

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/train_maskrcnn.py --out-dir /tmp/segtrain \\
        --seeds 1000-1239 --frames 30 --iters 7000 --batch 2 --lr 2e-3 --warmup 100 --seed 0 \\
        --time-budget-min 54 --ckpt-every 50

(the one run that made the bundled model: 56 min on 2 CPU cores, clips included), then copy and
export the checkpoint (models/MODEL_CARD.md has the full recipe, timings and accuracy):

    cp /tmp/segtrain/final.pt models/segstream-maskrcnn-tiny.pt
    /usr/bin/python3 models/export_maskrcnn.py --format torchvision-28 \\
        --weights models/segstream-maskrcnn-tiny.pt \\
        --name segstream-maskrcnn-tiny --out models/segstream-maskrcnn-tiny.onnx

``--probe N`` only times N iterations (seconds/iteration on this machine) to choose a schedule.

Data
----
One clip per seed in ``--seeds`` (1000..1999 is the *allowed training range*; seeds outside it
are refused so held-out evaluation seeds such as 7 or 4242 never leak into training).
Each clip is ``--frames`` frames of ``--width`` x ``--height`` (default 320x240, 10 fps), written by
the synth CLI into ``<out-dir>/clips/seed-N.mp4`` + ``.json`` (COCO ground truth, RLE masks) unless
already there (``--clips-dir`` reuses a directory of clips). Frames are decoded with the bundled
ffmpeg to RGB uint8 and kept in memory; masks stay RLE-compressed and are decoded per sample.
Targets: per instance ``labels`` = category_id (1 disc, 2 box, 3 triangle, 4 star), ``masks`` =
the decoded visible mask, ``boxes`` = the mask's tight xyxy box (x2 = max x + 1); instances with an
empty mask or a box narrower/shorter than 2 px are dropped.

Augmentation: random horizontal flip (p 0.5), random vertical flip (p 0.5; the shapes are
rotated anyway), slight colour jitter (per-image brightness x[0.85,1.15], contrast x[0.85,1.15],
per-channel gain x[0.95,1.05]) and multi-scale training (the model transform picks a short side
from ``TRAIN_MIN_SIZES`` per batch; inference uses ``min_size`` 240, i.e. native 320x240).

Model
-----
``export_maskrcnn.build_model`` with 5 classes (``LABELS``) and ``MODEL_CONFIG`` below: TinyResNet
(24/48/96/160 channels, BatchNorm) + FPN 64, anchors 16..256, fewer RPN proposals during training.

Optimisation
------------
AdamW (lr ``--lr``, weight decay 1e-4), linear warm-up over ``--warmup`` iterations then cosine decay
to 2 % of the lr at ``--iters``; gradient-norm clip 10; ``torch.manual_seed(--seed)`` for the init
and a seeded ``numpy`` generator for sampling/augmentation (reproducible on the same thread count).
A checkpoint ``{"model", "config", "labels", "iter", ...}`` is written to ``<out-dir>/last.pt``
every ``--ckpt-every`` iterations (a killed run still leaves a usable model) and to
``<out-dir>/final.pt`` at the end. Loss components and elapsed wall/CPU time go to
``<out-dir>/train.log`` (and stdout). ``--max-minutes`` stops early (saving ``final.pt``) if
the machine is slower than planned. ``--time-budget-min M`` makes the schedule time-based: the
lr schedule's progress is max(iteration/iters, elapsed/M) and training ends when it reaches 1, so
a run on a machine shared with other jobs still completes its decay within M minutes (the number
of iterations done is logged and saved). ``--init ckpt.pt`` starts a further stage from a
checkpoint's weights (fresh optimiser); earlier stages' records are kept in ``"stages"``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from typing import List, Tuple

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_maskrcnn import build_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FFMPEG = os.path.join(ROOT, "node_modules/@ffmpeg-installer/linux-x64/ffmpeg")
LABELS = ["__background__", "disc", "box", "triangle", "star"]
TRAIN_SEED_RANGE = (1000, 1999)

MODEL_CONFIG = dict(
    min_size=240,
    max_size=432,  # 320x240 runs at native size; 640x360 -> 427x240
    backbone_channels=(24, 48, 96, 160),
    backbone_blocks=(1, 1, 1, 1),
    norm="bn",
    fpn_channels=64,
    anchor_sizes=(16, 32, 64, 128, 256),
    aspect_ratios=(0.5, 1.0, 2.0),
    representation_size=192,
    mask_layers=(64, 64),
    mask_dim_reduced=64,
    rpn_pre_nms_top_n_train=400,
    rpn_post_nms_top_n_train=200,
    rpn_pre_nms_top_n_test=300,
    rpn_post_nms_top_n_test=100,
    box_batch_size_per_image=64,
    box_score_thresh=0.05,
    box_nms_thresh=0.5,
    detections_per_img=50,
)
TRAIN_MIN_SIZES = (224, 240, 256)


# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------


def rle_counts(s: str) -> List[int]:
    """pycocotools compressed RLE string -> run lengths."""
    counts: List[int] = []
    p = 0
    while p < len(s):
        x = k = 0
        while True:
            c = ord(s[p]) - 48
            p += 1
            x |= (c & 0x1F) << (5 * k)
            k += 1
            if not c & 0x20:
                if c & 0x10:
                    x |= -1 << (5 * k)
                break
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def decode_rle(seg: dict) -> np.ndarray:
    """COCO RLE (column-major) -> uint8 [H, W] mask."""
    h, w = seg["size"]
    c = rle_counts(seg["counts"])
    flat = np.repeat(np.arange(len(c)) % 2, c).astype(np.uint8)
    if flat.size < h * w:
        flat = np.concatenate([flat, np.zeros(h * w - flat.size, np.uint8)])
    return flat.reshape(w, h).T


def parse_seeds(s: str) -> List[int]:
    out: List[int] = []
    for part in s.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    bad = [x for x in out if not TRAIN_SEED_RANGE[0] <= x <= TRAIN_SEED_RANGE[1]]
    if bad:
        raise SystemExit(f"training seeds must be in {TRAIN_SEED_RANGE[0]}..{TRAIN_SEED_RANGE[1]} "
                         f"(held-out seeds live outside); got {bad[:5]}")
    return out


def make_clip(seed: int, clips_dir: str, frames: int, width: int, height: int, fps: float) -> str:
    mp4 = os.path.join(clips_dir, f"seed-{seed}.mp4")
    if not (os.path.exists(mp4) and os.path.exists(mp4[:-4] + ".json")):
        subprocess.run(["node", os.path.join(ROOT, "bin/segstream.js"), "synth", "--seed", str(seed), "-o", mp4,
                        "--frames", str(frames), "--width", str(width), "--height", str(height),
                        "--fps", str(fps)], check=True, stdout=subprocess.DEVNULL)
    return mp4


def make_clips(seeds: List[int], clips_dir: str, frames: int, width: int, height: int, fps: float,
               objects: str = "") -> List[str]:
    """One ``synth --seeds A-B`` process per run of consecutive seeds (a CLI start per clip costs
    more than the clip); clips already in clips_dir are kept. ``objects``: synth's --objects MIN-MAX
    (default: synth's own). -> the clip paths, in seed order."""
    runs: List[List[int]] = []
    for s in seeds:
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    for a, b in runs:
        subprocess.run(["node", os.path.join(ROOT, "bin/segstream.js"), "synth", "--seeds", f"{a}-{b}", "-o", clips_dir,
                        "--frames", str(frames), "--width", str(width), "--height", str(height),
                        "--fps", str(fps)] + (["--objects", objects] if objects else []),
                       check=True, stdout=subprocess.DEVNULL)
    return [os.path.join(clips_dir, f"seed-{s}.mp4") for s in seeds]


def load_clip(mp4: str) -> Tuple[np.ndarray, List[list]]:
    """-> frames uint8 [T, H, W, 3] RGB, per-frame list of (category_id, rle segmentation)."""
    gt = json.load(open(mp4[:-4] + ".json"))
    w, h = gt["info"]["width"], gt["info"]["height"]
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", mp4, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         check=True, stdout=subprocess.PIPE).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    anns: List[list] = [[] for _ in range(len(frames))]
    for a in gt["annotations"]:
        i = a["image_id"] - 1  # image id = seq + 1; frame i of the mp4 is seq i
        if 0 <= i < len(frames):
            anns[i].append((a["category_id"], a["segmentation"]))
    return frames, anns


class Sampler:
    """Random frames with augmentation -> (image tensor [3,H,W] 0..1, target dict)."""

    def __init__(self, frames: np.ndarray, anns: List[list], rng: np.random.Generator):
        self.frames, self.anns, self.rng = frames, anns, rng

    def sample(self) -> Tuple[torch.Tensor, dict]:
        rng = self.rng
        while True:
            i = int(rng.integers(len(self.frames)))
            img = self.frames[i]
            masks, labels = [], []
            for cat, seg in self.anns[i]:
                m = decode_rle(seg)
                ys, xs = np.nonzero(m)
                if len(xs) == 0 or xs.max() - xs.min() < 1 or ys.max() - ys.min() < 1:
                    continue
                masks.append(m)
                labels.append(cat)
            if masks:
                break
        m = np.stack(masks)
        hflip, vflip = rng.random() < 0.5, rng.random() < 0.5
        if hflip:
            img, m = img[:, ::-1], m[:, :, ::-1]
        if vflip:
            img, m = img[::-1], m[:, ::-1]
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float() / 255.0
        # colour jitter: brightness, contrast, per-channel gain
        b = rng.uniform(0.85, 1.15)
        c = rng.uniform(0.85, 1.15)
        gain = torch.from_numpy(rng.uniform(0.95, 1.05, 3)).float()[:, None, None]
        mean = x.mean()
        x = ((x - mean) * c + mean) * b * gain
        x = x.clamp_(0, 1)
        mt = torch.from_numpy(np.ascontiguousarray(m))
        boxes = []
        for k in range(len(m)):
            ys, xs = torch.nonzero(mt[k], as_tuple=True)
            boxes.append([float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1])
        target = {"boxes": torch.tensor(boxes, dtype=torch.float32),
                  "labels": torch.tensor(labels, dtype=torch.int64),
                  "masks": mt}
        return x, target


# ------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------


def lr_at(it: int, base: float, warmup: int, total: int) -> float:
    if it < warmup:
        return base * (0.01 + 0.99 * it / warmup)
    t = min(1.0, (it - warmup) / max(1, total - warmup))
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def save(path: str, model, it: int, extra: dict) -> None:
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "config": model.segstream_config, "labels": LABELS,
                "iter": it, **extra}, tmp)
    os.replace(tmp, path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", default="/tmp/segstream-train")
    p.add_argument("--clips-dir", default=None, help="directory of seed-N.mp4/.json clips (default <out-dir>/clips)")
    p.add_argument("--seeds", default="1000-1239", help="training seeds, e.g. 1000-1239 (must be in 1000..1999)")
    p.add_argument("--frames", type=int, default=30, help="frames per training clip")
    p.add_argument("--width", type=int, default=320)
    p.add_argument("--height", type=int, default=240)
    p.add_argument("--fps", type=float, default=10)
    p.add_argument("--iters", type=int, default=2400)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--seed", type=int, default=0, help="torch / numpy seed")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ckpt-every", type=int, default=100)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--max-minutes", type=float, default=0, help="stop early (saving final.pt) after this long; 0 = off")
    p.add_argument("--time-budget-min", type=float, default=0,
                   help="time-based schedule: the lr schedule's progress is max(it/iters, elapsed/budget) and "
                        "training ends when it reaches 1 (uses a loaded machine fully; 0 = iteration-based)")
    p.add_argument("--probe", type=int, default=0, help="only time this many iterations and exit")
    p.add_argument("--init", default=None,
                   help="start from this checkpoint's weights (a second, low-lr stage); its training record "
                        "is carried over into the new checkpoint's 'stages'")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    clips_dir = args.clips_dir or os.path.join(args.out_dir, "clips")
    os.makedirs(clips_dir, exist_ok=True)
    log = open(os.path.join(args.out_dir, "train.log" if not args.probe else "probe.log"), "a")

    def say(msg: str) -> None:
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    say("args " + json.dumps(vars(args)))
    t0 = time.time()
    seeds = parse_seeds(args.seeds)
    mp4s = make_clips(seeds, clips_dir, args.frames, args.width, args.height, args.fps)
    say(f"clips ready: {len(mp4s)} in {time.time() - t0:.1f}s")
    all_frames, all_anns = [], []
    for mp4 in mp4s:
        f, a = load_clip(mp4)
        all_frames.append(f)
        all_anns += a
    frames = np.concatenate(all_frames)
    del all_frames
    n_inst = sum(len(a) for a in all_anns)
    say(f"decoded {len(frames)} frames, {n_inst} instances, {frames.nbytes / 2**20:.0f} MiB, "
        f"{time.time() - t0:.1f}s")

    sampler = Sampler(frames, all_anns, np.random.default_rng(args.seed))
    model = build_model(len(LABELS), seed=args.seed, **MODEL_CONFIG)
    stages: list = []
    if args.init:
        ck = torch.load(args.init, map_location="cpu")
        model.load_state_dict(ck["model"], strict=True)
        stages = list(ck.get("stages") or []) + [{k: ck.get(k) for k in ("iter", "elapsed_s", "cpu_s", "loss", "args")}]
        say(f"initialised from {args.init} (iter {ck.get('iter')})")
    model.transform.min_size = TRAIN_MIN_SIZES  # multi-scale training; export uses MODEL_CONFIG min_size
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model params {n_params}")
    decay, no_decay = [], []
    for n, prm in model.named_parameters():
        (no_decay if prm.ndim <= 1 else decay).append(prm)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr)
    total = args.probe or args.iters
    t_train, c_train = time.time(), time.process_time()
    avg: dict = {}
    it = 0
    for it in range(total):
        sched_it = it
        if args.time_budget_min and not args.probe:
            frac = (time.time() - t_train) / (args.time_budget_min * 60)
            if frac >= 1.0:
                say(f"time budget reached after {it} iterations")
                it -= 1
                break
            sched_it = max(it, args.warmup + int(frac * (args.iters - args.warmup))) if it >= args.warmup else it
        for g in opt.param_groups:
            g["lr"] = lr_at(sched_it, args.lr, args.warmup, args.iters)
        batch = [sampler.sample() for _ in range(args.batch)]
        losses = model([b[0] for b in batch], [b[1] for b in batch])
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        for k, v in list(losses.items()) + [("loss", loss)]:
            avg[k] = 0.9 * avg.get(k, float(v)) + 0.1 * float(v)
        el = time.time() - t_train
        if (it + 1) % args.log_every == 0 or it == 0:
            say(f"it {it + 1}/{total} lr {opt.param_groups[0]['lr']:.2e} " +
                " ".join(f"{k} {v:.4f}" for k, v in avg.items()) +
                f" | {el:.0f}s wall {time.process_time() - c_train:.0f}s cpu {el / (it + 1):.2f}s/it")
        if args.probe:
            continue
        extra = {"elapsed_s": el, "cpu_s": time.process_time() - c_train, "loss": dict(avg), "args": vars(args),
                 "stages": stages}
        if (it + 1) % args.ckpt_every == 0:
            save(os.path.join(args.out_dir, "last.pt"), model, it + 1, extra)
        if args.max_minutes and el > args.max_minutes * 60:
            say(f"time limit reached at it {it + 1}")
            break
    el = time.time() - t_train
    cpu = time.process_time() - c_train
    if args.probe:
        say(f"probe: {total} its in {el:.1f}s = {el / total:.2f}s/it")
        return 0
    extra = {"elapsed_s": el, "cpu_s": cpu, "loss": dict(avg), "args": vars(args), "stages": stages}
    save(os.path.join(args.out_dir, "final.pt"), model, it + 1, extra)
    say(f"done: {it + 1} iterations, {el:.0f}s wall ({el / 60:.1f} min), {cpu:.0f}s cpu; final smoothed losses " +
        json.dumps({k: round(v, 4) for k, v in avg.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
