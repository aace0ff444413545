#!/usr/bin/python3
"""Train the bundled "segstream-unet-tiny" semantic U-Net from scratch on synthetic clips (CPU).

Run with Debian's interpreter (torch 1.13), from the repository root, after ``npm run build``
(the clips are made by ``node bin/segstream.js synth --seeds``). The defaults are the bundled
model's recipe, one run from scratch (models/MODEL_CARD_UNET.md):

    /usr/bin/python3 models/train_unet.py --out-dir /tmp/unettrain

then export (writes models/segstream-unet-tiny.onnx and its manifest .json):

    /usr/bin/python3 models/train_unet.py --export /tmp/unettrain/final.pt

Data: one clip per seed (training seeds must lie in 1000..1999, so held-out evaluation seeds such
as 4242 never leak in), 320x240, decoded with the bundled ffmpeg to RGB. The target of a pixel is
the category_id of the visible instance covering it (the synth GT's visible masks are disjoint:
nearer objects already cut farther ones), else 0 = background.

Model: a U-Net (encoder, bottleneck, decoder with skip connections), channels 16-32-64-128, whose
stem convolution has stride 2, so the logits come out at stride 2 (the caller upsamples the scores
bilinearly before the argmax). Input float32 [1,3,H,W] RGB 0..1 (H, W multiples of 16; the
manifest's working size is 240x320).

Loss: cross entropy on the logits upsampled bilinearly to the label size (what inference does)
plus a soft Dice term over the shape classes. AdamW, warm-up then cosine decay on a time-based
schedule (``--time-budget-min``), checkpoints every ``--ckpt-every`` iterations.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from typing import List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_maskrcnn import decode_rle, make_clip, make_clips, parse_seeds  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FFMPEG = os.path.join(ROOT, "node_modules/@ffmpeg-installer/linux-x64/ffmpeg")
LABELS = ["background", "disc", "box", "triangle", "star"]
CHANNELS = (16, 32, 64, 128)
WORK_H, WORK_W = 240, 320


def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    """U-Net with a stride-2 stem: logits [N, classes, H/2, W/2]."""

    def __init__(self, classes: int = 5, ch=CHANNELS):
        super().__init__()
        c0, c1, c2, c3 = ch
        self.enc0 = block(3, c0, stride=2)
        self.enc1 = block(c0, c1)
        self.enc2 = block(c1, c2)
        self.bottleneck = block(c2, c3)
        self.up2, self.dec2 = nn.ConvTranspose2d(c3, c2, 2, 2), block(2 * c2, c2)
        self.up1, self.dec1 = nn.ConvTranspose2d(c2, c1, 2, 2), block(2 * c1, c1)
        self.up0, self.dec0 = nn.ConvTranspose2d(c1, c0, 2, 2), block(2 * c0, c0)
        self.head = nn.Conv2d(c0, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e0 = self.enc0(x)
        e1 = self.enc1(F.max_pool2d(e0, 2))
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottleneck(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        d0 = self.dec0(torch.cat([self.up0(d1), e0], 1))
        return self.head(d0)


def load_clip(mp4: str) -> Tuple[np.ndarray, np.ndarray]:
    """-> frames uint8 [T,H,W,3] RGB, label maps uint8 [T,H,W]."""
    gt = json.load(open(mp4[:-4] + ".json"))
    w, h = gt["info"]["width"], gt["info"]["height"]
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", mp4, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         check=True, stdout=subprocess.PIPE).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    labels = np.zeros((len(frames), h, w), np.uint8)
    for a in gt["annotations"]:
        i = a["image_id"] - 1
        if 0 <= i < len(frames):
            labels[i][decode_rle(a["segmentation"]) > 0] = a["category_id"]
    return frames, labels


def lr_at(progress: float, base: float, warm: float = 0.03) -> float:
    if progress < warm:
        return base * (0.05 + 0.95 * progress / warm)
    t = min(1.0, (progress - warm) / (1 - warm))
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def batch_of(frames, labels, rng, n, crop: int) -> Tuple[torch.Tensor, torch.Tensor]:
    idx = rng.integers(len(frames), size=n)
    xs, ys = [], []
    h, w = labels.shape[1:]
    for i in idx:
        y0, x0 = int(rng.integers(h - crop + 1)), int(rng.integers(w - crop + 1))
        img, lab = frames[i, y0:y0 + crop, x0:x0 + crop], labels[i, y0:y0 + crop, x0:x0 + crop]
        if rng.random() < 0.5:
            img, lab = img[:, ::-1], lab[:, ::-1]
        if rng.random() < 0.5:
            img, lab = img[::-1], lab[::-1]
        xs.append(np.ascontiguousarray(img))
        ys.append(np.ascontiguousarray(lab))
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float() / 255.0
    b = torch.from_numpy(rng.uniform(0.85, 1.15, (n, 1, 1, 1))).float()
    c = torch.from_numpy(rng.uniform(0.85, 1.15, (n, 1, 1, 1))).float()
    g = torch.from_numpy(rng.uniform(0.95, 1.05, (n, 3, 1, 1))).float()
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (((x - mean) * c + mean) * b * g).clamp_(0, 1)
    return x, torch.from_numpy(np.stack(ys)).long()


def loss_fn(logits: torch.Tensor, y: torch.Tensor, weight=None) -> Tuple[torch.Tensor, float, float]:
    up = F.interpolate(logits, size=y.shape[-2:], mode="bilinear", align_corners=False)
    ce = F.cross_entropy(up, y, weight=weight)
    p = up.softmax(1)[:, 1:]
    oh = F.one_hot(y, len(LABELS)).permute(0, 3, 1, 2)[:, 1:].float()
    inter = (p * oh).sum(dim=(0, 2, 3))
    dice = 1 - ((2 * inter + 1) / (p.sum(dim=(0, 2, 3)) + oh.sum(dim=(0, 2, 3)) + 1)).mean()
    return ce + 0.5 * dice, float(ce), float(dice)


def confusion(model, frames, labels, bs: int = 8) -> np.ndarray:
    k = len(LABELS)
    cm = np.zeros((k, k), np.int64)
    model.eval()
    with torch.no_grad():
        for s in range(0, len(frames), bs):
            x = torch.from_numpy(np.array(frames[s:s + bs])).permute(0, 3, 1, 2).float() / 255.0
            up = F.interpolate(model(x), size=x.shape[-2:], mode="bilinear", align_corners=False)
            pred = up.argmax(1).numpy().ravel()
            gt = labels[s:s + bs].ravel().astype(np.int64)
            cm += np.bincount(gt * k + pred, minlength=k * k).reshape(k, k)
    model.train()
    return cm


def metrics(cm: np.ndarray) -> dict:
    tp = np.diag(cm).astype(float)
    iou = tp / np.maximum(cm.sum(0) + cm.sum(1) - tp, 1)
    dice = 2 * tp / np.maximum(cm.sum(0) + cm.sum(1), 1)
    return {"iou": iou.round(4).tolist(), "dice": dice.round(4).tolist(), "mIoU": round(float(iou.mean()), 4),
            "pixelAcc": round(float(tp.sum() / cm.sum()), 4)}


def adjust_logits(model: TinyUNet, class_weights, alpha: float) -> None:
    """Subtracts alpha * log(w_k) from class k's logit bias: cross entropy weighted by w_k trains
    logits that favour class k by about log(w_k), which buys recall of rare classes during training
    and costs their precision at inference (post-hoc logit adjustment, Menon et al. 2021)."""
    if not class_weights or alpha == 0:
        return
    with torch.no_grad():
        for k, w in enumerate(class_weights):
            model.head.bias[k] -= alpha * math.log(w)


def export(ckpt_path: str, out: str, alpha: float = 1.0) -> None:
    ck = torch.load(ckpt_path, map_location="cpu")
    model = TinyUNet(len(LABELS))
    model.load_state_dict(ck["model"])
    model.eval()
    cw = (ck.get("args") or {}).get("class_weights")
    weights = [float(v) for v in cw.split(",")] if cw else None
    adjust_logits(model, weights, alpha)
    x = torch.zeros(1, 3, WORK_H, WORK_W)
    torch.onnx.export(model, x, out, opset_version=11, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {2: "height", 3: "width"}, "logits": {2: "h_out", 3: "w_out"}})
    data = open(out, "rb").read()
    n_params = sum(p.numel() for p in model.parameters())
    man = {
        "name": "segstream-unet-tiny",
        "format": "unet-semantic",
        "task": "semantic",
        "labels": LABELS,
        "labelSpace": "custom",
        "trained": True,
        "input": {"name": "image", "dtype": "float32", "shape": [1, 3, "height", "width"], "layout": "NCHW",
                  "color": "RGB", "range": [0, 1], "normalizedInGraph": True, "size": [WORK_H, WORK_W],
                  "multipleOf": 16,
                  "note": "segstream resizes each frame to the working size 240x320 (H x W) before the graph."},
        "outputs": {"logits": {"name": "logits", "dtype": "float32", "shape": [1, len(LABELS), "h_out", "w_out"],
                               "content": "per-class logits at output stride 2; caller upsamples bilinearly "
                                          "to frame size and takes the argmax"}},
        "architecture": {"kind": "U-Net, stride-2 stem (models/train_unet.py TinyUNet)",
                         "channels": list(CHANNELS), "parameters": n_params, "outputStride": 2},
        "opset": 11,
        "weights": os.path.relpath(ckpt_path, ROOT) if ckpt_path.startswith(ROOT) else ckpt_path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "exporter": {"torch": torch.__version__},
        "training": {k: ck.get(k) for k in ("iter", "elapsed_s", "cpu_s", "loss", "args", "heldOut", "stages")},
        "logitAdjustment": {"alpha": alpha, "classWeights": weights,
                            "note": "head bias -= alpha * log(class weight) at export; heldOut above is before it"},
        "notes": ["TRAINED from scratch by models/train_unet.py on segstream synthetic clips; classes: "
                  "background, disc, box, triangle, star. Synthetic shapes only. See models/MODEL_CARD_UNET.md."],
    }
    with open(out[:-5] + ".json", "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    print(f"exported {out} ({len(data)} bytes, {n_params} params)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out-dir", default="/tmp/segstream-unet")
    p.add_argument("--clips-dir", default=None)
    p.add_argument("--seeds", default="1000-1799")
    p.add_argument("--heldout-seeds", default="4242,3001,5005,6006", help="evaluated at the end only (never trained on)")
    p.add_argument("--frames", type=int, default=8, help="frames per clip: many short clips give more distinct objects")
    p.add_argument("--objects", default="3-9", help="synth --objects for the training clips: more objects "
                   "on screen, more occlusion (a star's point left visible looks like a triangle)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=192, help="square training crop (multiple of 16; the net is "
                   "fully convolutional, inference runs on whole 240x320 frames)")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--class-weights", default="1,1,1,3,1.5", help="cross-entropy weight per class, comma-separated "
                   "(e.g. 1,1,1,2,1.5: the rarer, more confusable triangle and star count more)")
    p.add_argument("--iters", type=int, default=11000, help="the schedule's length (lr warm-up and cosine decay "
                   "follow iterations, so a busy machine takes longer but trains the same)")
    p.add_argument("--time-budget-min", type=float, default=60, help="a cap: the schedule then follows time instead")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ckpt-every", type=int, default=50)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--init", default=None, help="start from this checkpoint's weights (a further stage)")
    p.add_argument("--export", default=None, help="only export this checkpoint to models/segstream-unet-tiny.onnx")
    p.add_argument("--export-out", default=os.path.join(ROOT, "models/segstream-unet-tiny.onnx"))
    p.add_argument("--logit-adjust", type=float, default=1.0, help="with --export: alpha of the logit "
                   "adjustment for the class weights (0 = none); chosen on validation seeds 1800-1839")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    if args.export:
        export(args.export, args.export_out, args.logit_adjust)
        return 0
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    clips_dir = args.clips_dir or os.path.join(args.out_dir, "clips")
    os.makedirs(clips_dir, exist_ok=True)
    log = open(os.path.join(args.out_dir, "train.log"), "a")

    def say(msg: str) -> None:
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    say("args " + json.dumps(vars(args)))
    t0 = time.time()
    seeds = parse_seeds(args.seeds)
    mp4s = make_clips(seeds, clips_dir, args.frames, 320, 240, 10, args.objects)
    fl = [load_clip(m) for m in mp4s]
    frames = np.concatenate([f for f, _ in fl])
    labels = np.concatenate([l for _, l in fl])
    del fl
    say(f"{len(frames)} frames ready in {time.time() - t0:.0f}s; class pixel share "
        + str((np.bincount(labels.ravel(), minlength=5) / labels.size).round(4).tolist()))

    model = TinyUNet(len(LABELS))
    stages: list = []
    if args.init:
        ck = torch.load(args.init, map_location="cpu")
        model.load_state_dict(ck["model"])
        stages = list(ck.get("stages") or []) + [{k: ck.get(k) for k in ("iter", "elapsed_s", "cpu_s", "loss", "args")}]
        say(f"initialised from {args.init} (iter {ck.get('iter')})")
    say(f"params {sum(q.numel() for q in model.parameters())}")
    weight = None
    if args.class_weights:
        weight = torch.tensor([float(v) for v in args.class_weights.split(",")])
        if len(weight) != len(LABELS):
            p.error(f"--class-weights needs {len(LABELS)} values")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    t_train, c_train = time.time(), time.process_time()
    avg: dict = {}
    it = 0

    def save(path: str, extra: dict) -> None:
        torch.save({"model": model.state_dict(), "labels": LABELS, "channels": CHANNELS, "iter": it,
                    "elapsed_s": time.time() - t_train, "cpu_s": time.process_time() - c_train,
                    "loss": dict(avg), "args": vars(args), "stages": stages, **extra}, path + ".tmp")
        os.replace(path + ".tmp", path)

    while it < args.iters:
        progress = max(it / args.iters, (time.time() - t_train) / (args.time_budget_min * 60))
        if progress >= 1:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(progress, args.lr)
        x, y = batch_of(frames, labels, rng, args.batch, args.crop)
        loss, ce, dl = loss_fn(model(x), y, weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        it += 1
        for k, v in (("loss", float(loss)), ("ce", ce), ("dice", dl)):
            avg[k] = 0.9 * avg.get(k, v) + 0.1 * v
        if it % args.log_every == 0 or it == 1:
            el = time.time() - t_train
            say(f"it {it} lr {opt.param_groups[0]['lr']:.2e} " + " ".join(f"{k} {v:.4f}" for k, v in avg.items())
                + f" | {el:.0f}s {el / it:.2f}s/it")
        if it % args.ckpt_every == 0:
            save(os.path.join(args.out_dir, "last.pt"), {})
    say(f"trained {it} iterations in {time.time() - t_train:.0f}s")
    held = {}
    for s in [int(v) for v in args.heldout_seeds.split(",") if v]:
        mp4 = make_clip(s, clips_dir, 100, 320, 240, 10)
        f, l = load_clip(mp4)
        held[str(s)] = metrics(confusion(model, f, l))
        say(f"held-out seed {s}: {json.dumps(held[str(s)])}")
    save(os.path.join(args.out_dir, "final.pt"), {"heldOut": held})
    say("saved final.pt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
