#!/usr/bin/python3
"""Build a small torchvision Mask R-CNN and export it to ONNX for segstream.

Run with Debian's interpreter (torch 1.13 / torchvision 0.14 / onnx 1.12):

    /usr/bin/python3 models/export_maskrcnn.py --all          # re-create every committed file

or one model at a time (the exact per-file commands are written into each sidecar manifest's
"recipe" field and listed in models/README.md):

    /usr/bin/python3 models/export_maskrcnn.py --format torchvision --detect-bias \\
        --name tiny-full --out test/fixtures/models/tiny-full.onnx

The bundled ``models/segstream-maskrcnn-tiny.onnx`` is TRAINED: ``models/train_maskrcnn.py`` trains
it from scratch on synthetic clips and this script exports the committed checkpoint
(``--weights models/segstream-maskrcnn-tiny.pt``; see models/MODEL_CARD.md).

Nothing is downloaded: every model starts from a deterministic random initialisation
(``torch.manual_seed(--seed)``), optionally replaced by a trained checkpoint (``--weights``).

Architecture ("segstream-maskrcnn-tiny", ~1.35 M parameters, ~5.6 MB as float32 ONNX)
-------------------------------------------------------------------------------------
torchvision.models.detection.MaskRCNN with a custom backbone; everything after the backbone is
stock torchvision, so checkpoints and training code are the usual torchvision ones.

* Transform (GeneralizedRCNNTransform): input [3,H,W] RGB in 0..1, normalised with the ImageNet
  mean/std, resized so the short side is 320 (long side <= 576), zero-padded to a multiple of 32.
  A 640x360 frame is processed at about 568x320.
* Backbone body ``TinyResNet``: a ResNet-18-style CNN, BatchNorm (or GroupNorm, ``norm="gn"``,
  for very small training batches) and ReLU:
      stem   conv3x3/2  3 -> 16                      stride 2
      stage1 BasicBlock 16 -> 16, first block /2     stride 4   -> C2 (16 ch)
      stage2 BasicBlock 16 -> 32, /2                 stride 8   -> C3 (32 ch)
      stage3 BasicBlock 32 -> 64, /2                 stride 16  -> C4 (64 ch)
      stage4 BasicBlock 64 -> 128, /2                stride 32  -> C5 (128 ch)
  (one BasicBlock per stage by default: ``backbone_channels`` / ``backbone_blocks`` / ``norm``
  are build_model options; kaiming init, last norm of each block zero-initialised.)
* FPN (torchvision FeaturePyramidNetwork + LastLevelMaxPool): 64 channels, levels
  '0','1','2','3','pool' at strides 4, 8, 16, 32, 64.
* RPN: one anchor size per level (16, 32, 64, 128, 256 px at the 320-px working scale), aspect
  ratios 0.5/1/2, RPNHead with 64 channels; test: 300 pre-NMS (per level) / 100 post-NMS
  proposals; train: 1000 / 500.
* Box branch: MultiScaleRoIAlign 7x7 on levels 0..3, TwoMLPHead 64*7*7 -> 192 -> 192,
  FastRCNNPredictor (91 classes, COCO-91 ids as in torchvision, 0 = background). Classifier and
  box-regression layers use the Detectron init (normal std 0.01 / 0.001, zero bias), so an
  untrained model has a near-uniform class softmax (~1/91 < the 0.05 score threshold) and
  returns no detections.
* Mask branch: MultiScaleRoIAlign 14x14, MaskRCNNHeads with two 3x3 convs of 64 channels,
  MaskRCNNPredictor (2x transposed conv to 28x28, 64 ch, 1x1 conv to one logit map per class).
* In-graph post-processing (torchvision): score threshold 0.05, per-class NMS IoU 0.5, at most
  ``--detections-per-img`` (default 20) detections.

Training (``models/train_maskrcnn.py``) uses ``build_model()`` directly: it returns a normal
``torch.nn.Module`` whose ``forward(images, targets)`` returns the torchvision loss dict in
train mode. Save ``{"model": model.state_dict(), "config": model.segstream_config}`` (or a
plain state_dict) and export it with ``--weights ckpt.pt``.

``--arch maskrcnn_resnet50_fpn[_v2] --pretrained`` exports a stock COCO-pretrained torchvision
model instead (downloads its weights once; see models/README.md).

ONNX I/O formats (the TypeScript adapters select by signature)
---------------------------------------------------------------
"torchvision"     input ``image`` float32 [3,H,W] RGB 0..1 (dynamic H, W; the graph normalises
                  and resizes). Outputs ``boxes`` [N,4] xyxy in input pixels, ``labels`` [N]
                  int64 (COCO-91 ids), ``scores`` [N] float32, ``masks`` [N,1,H,W] float32
                  probabilities already pasted into the full frame.
"torchvision-28"  same input and output names, but the transform's postprocess stops before
                  the paste: ``masks`` is [N,1,28,28] probabilities (box-relative, the caller
                  pastes them; boxes are still rescaled to input pixels).
"zoo"             the ONNX Model Zoo MaskRCNN-10/12 contract: input ``image`` float32 [3,H,W]
                  BGR 0..255 minus mean [102.9801, 115.9465, 122.7717], already resized by the
                  caller and zero-padded to multiples of 32 (the graph neither resizes nor
                  normalises). Outputs, named with numeric strings like the real zoo model
                  ("6568", "6570", "6572", "6887"): boxes [N,4] in the input (resized) pixels,
                  labels [N] int64 in the zoo's *contiguous COCO-80* label space (1..80,
                  0 = background; the real MaskRCNN-10/12 uses that space, not COCO-91),
                  scores [N], masks [N,1,28,28]. To keep the same weights as the other
                  formats, the zoo graph starts with a fixed 1x1 conv that maps its input back
                  to the RGB/ImageNet-normalised space, and the 91-class heads are sliced to 81.

``--detect-bias`` (the test fixtures tiny-28 / tiny-full / tiny-zoo): an untrained network detects
nothing, so to exercise the whole pipeline (NMS, mask paste, RLE, rendering) this option
deterministically rewrites the classifier so classes person (1), car (3) and bottle (44) get
feature-dependent scores well above the threshold (each class uses a different random
direction in feature space, so different boxes get different classes), and the mask logits
get a positive bias (masks are mostly-filled boxes with a few holes). The result is still an
UNTRAINED model and its manifest says ``"trained": false``.

``--empty``: no detection bias, and the background logit is raised by +10 so the model returns
N = 0 detections on any image (exercises the empty-output path of the export).

Re-running with the same arguments reproduces byte-identical files on the same
torch/torchvision/onnx versions (checked with torch 1.13.0 / torchvision 0.14.1 / onnx 1.12.0).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
import torchvision
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.roi_heads import RoIHeads
from torchvision.models.detection.rpn import RPNHead
from torchvision.models.detection.transform import GeneralizedRCNNTransform, resize_boxes
from torchvision.ops import FeaturePyramidNetwork, MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

# --------------------------------------------------------------------------------------------
# Label spaces
# --------------------------------------------------------------------------------------------

#: COCO category names in torchvision order (index = label id output by torchvision models).
COCO_91: List[str] = [
    "__background__", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train",
    "truck", "boat", "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter",
    "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
    "giraffe", "N/A", "backpack", "umbrella", "N/A", "N/A", "handbag", "tie", "suitcase",
    "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
    "skateboard", "surfboard", "tennis racket", "bottle", "N/A", "wine glass", "cup", "fork",
    "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
    "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "N/A",
    "dining table", "N/A", "N/A", "toilet", "N/A", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "N/A",
    "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
]
assert len(COCO_91) == 91

#: COCO-91 ids of the 80 real categories, in order; ``COCO80_TO_91[j]`` is the COCO-91 id of the
#: zoo's contiguous label j (index 0 = background).
COCO80_TO_91: List[int] = [0] + [i for i, n in enumerate(COCO_91) if i > 0 and n != "N/A"]
assert len(COCO80_TO_91) == 81

#: Label list of the ONNX Model Zoo MaskRCNN-10/12 (contiguous ids, 0 = background).
COCO_81: List[str] = [COCO_91[i] for i in COCO80_TO_91]

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
ZOO_MEAN_BGR = [102.9801, 115.9465, 122.7717]
ZOO_OUTPUT_NAMES = ["6568", "6570", "6572", "6887"]  # boxes, labels, scores, masks (as MaskRCNN-10)

FORMATS = ("torchvision", "torchvision-28", "zoo")
DEFAULT_DETECT_CLASSES = (1, 3, 44)  # person, car, bottle (COCO-91 ids)
#: --detect-bias: mean (width, height) growth of a proposal per class (person tall, car wide...).
BOX_SCALE = {1: (2.0, 4.5), 3: (4.5, 2.5), 44: (1.5, 3.5)}

# --------------------------------------------------------------------------------------------
# Backbone
# --------------------------------------------------------------------------------------------


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "bn":
        return nn.BatchNorm2d(channels)
    if kind == "gn":
        return nn.GroupNorm(min(8, channels), channels)
    raise ValueError(f"unknown norm {kind!r} (use 'bn' or 'gn')")


class BasicBlock(nn.Module):
    """ResNet basic block: conv3x3(stride) -> norm -> relu -> conv3x3 -> norm, + shortcut, relu."""

    def __init__(self, cin: int, cout: int, stride: int, norm: str):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = _norm(norm, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = _norm(norm, cout)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), _norm(norm, cout))

    def forward(self, x: Tensor) -> Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + self.shortcut(x))


class TinyResNet(nn.Module):
    """Stem (conv3x3/2) + 4 stages of BasicBlocks, each stage halving the resolution.

    Returns an OrderedDict {'0': C2 (stride 4), '1': C3 (8), '2': C4 (16), '3': C5 (32)}.
    """

    def __init__(self, channels: Sequence[int] = (16, 32, 64, 128), blocks: Sequence[int] = (1, 1, 1, 1),
                 norm: str = "bn"):
        super().__init__()
        if len(channels) != 4 or len(blocks) != 4:
            raise ValueError("channels and blocks must have 4 entries")
        c0 = channels[0]
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, 2, 1, bias=False), _norm(norm, c0), nn.ReLU(inplace=True))
        stages = []
        cin = c0
        for cout, n in zip(channels, blocks):
            layers = [BasicBlock(cin, cout, 2, norm)] + [BasicBlock(cout, cout, 1, norm) for _ in range(n - 1)]
            stages.append(nn.Sequential(*layers))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.out_channels_list = list(channels)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Zero-init the last norm of each residual branch: every block starts as an identity,
        # which makes from-scratch training noticeably more stable.
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def forward(self, x: Tensor) -> "OrderedDict[str, Tensor]":
        x = self.stem(x)
        out: "OrderedDict[str, Tensor]" = OrderedDict()
        for i, stage in enumerate(self.stages):
            x = stage(x)
            out[str(i)] = x
        return out


class ZooInputAdapter(nn.Module):
    """Fixed 1x1 conv: zoo input (BGR 0..255 minus the Detectron mean) -> RGB ImageNet-normalised.

    Only inserted by the "zoo" export, so the zoo graph shares the exact weights of the other
    formats. Its parameters are buffers that are not saved in the state_dict.
    """

    def __init__(self):
        super().__init__()
        w = torch.zeros(3, 3, 1, 1)
        b = torch.zeros(3)
        for c in range(3):  # output channel c (RGB) reads input channel 2 - c (BGR)
            w[c, 2 - c, 0, 0] = 1.0 / (255.0 * IMAGENET_STD[c])
            b[c] = (ZOO_MEAN_BGR[2 - c] / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]
        self.register_buffer("weight", w, persistent=False)
        self.register_buffer("bias", b, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias)


class TinyFPNBackbone(nn.Module):
    """TinyResNet body + torchvision FPN (+ max-pool 'pool' level); ``out_channels`` for MaskRCNN."""

    def __init__(self, body: TinyResNet, out_channels: int):
        super().__init__()
        self.input_adapter: nn.Module = nn.Identity()
        self.body = body
        self.fpn = FeaturePyramidNetwork(body.out_channels_list, out_channels, extra_blocks=LastLevelMaxPool())
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Dict[str, Tensor]:
        return self.fpn(self.body(self.input_adapter(x)))


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------

DEFAULT_CONFIG = dict(
    num_classes=91,
    min_size=320,
    max_size=576,
    backbone_channels=(16, 32, 64, 128),
    backbone_blocks=(1, 1, 1, 1),
    norm="bn",
    fpn_channels=64,
    anchor_sizes=(16, 32, 64, 128, 256),
    aspect_ratios=(0.5, 1.0, 2.0),
    representation_size=192,
    mask_layers=(64, 64),
    mask_dim_reduced=64,
    rpn_pre_nms_top_n_train=1000,
    rpn_post_nms_top_n_train=500,
    rpn_pre_nms_top_n_test=300,
    rpn_post_nms_top_n_test=100,
    box_batch_size_per_image=128,
    box_score_thresh=0.05,
    box_nms_thresh=0.5,
    detections_per_img=20,
)


def build_model(num_classes: int = 91, *, seed: int = 0, **overrides) -> MaskRCNN:
    """Build the tiny Mask R-CNN (see the module docstring) with a deterministic random init.

    ``overrides`` are any keys of ``DEFAULT_CONFIG``. The returned model is in train mode, like
    any freshly built torch module; call ``.eval()`` for inference/export.
    """
    cfg = dict(DEFAULT_CONFIG)
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise TypeError(f"unknown build_model options: {sorted(unknown)}")
    cfg.update(overrides)
    cfg["num_classes"] = num_classes
    torch.manual_seed(seed)

    body = TinyResNet(cfg["backbone_channels"], cfg["backbone_blocks"], cfg["norm"])
    backbone = TinyFPNBackbone(body, cfg["fpn_channels"])
    n_levels = 5
    anchor_gen = AnchorGenerator(
        sizes=tuple((s,) for s in cfg["anchor_sizes"]),
        aspect_ratios=(tuple(cfg["aspect_ratios"]),) * n_levels,
    )
    rpn_head = RPNHead(cfg["fpn_channels"], anchor_gen.num_anchors_per_location()[0])
    levels = ["0", "1", "2", "3"]
    box_roi_pool = MultiScaleRoIAlign(featmap_names=levels, output_size=7, sampling_ratio=2)
    box_head = TwoMLPHead(cfg["fpn_channels"] * 7 * 7, cfg["representation_size"])
    box_predictor = FastRCNNPredictor(cfg["representation_size"], num_classes)
    nn.init.normal_(box_predictor.cls_score.weight, std=0.01)
    nn.init.zeros_(box_predictor.cls_score.bias)
    nn.init.normal_(box_predictor.bbox_pred.weight, std=0.001)
    nn.init.zeros_(box_predictor.bbox_pred.bias)
    mask_roi_pool = MultiScaleRoIAlign(featmap_names=levels, output_size=14, sampling_ratio=2)
    mask_head = MaskRCNNHeads(cfg["fpn_channels"], list(cfg["mask_layers"]), 1)
    mask_predictor = MaskRCNNPredictor(cfg["mask_layers"][-1], cfg["mask_dim_reduced"], num_classes)
    nn.init.zeros_(mask_predictor.conv5_mask.bias)
    nn.init.zeros_(mask_predictor.mask_fcn_logits.bias)

    model = MaskRCNN(
        backbone,
        num_classes=None,
        min_size=cfg["min_size"],
        max_size=cfg["max_size"],
        image_mean=IMAGENET_MEAN,
        image_std=IMAGENET_STD,
        rpn_anchor_generator=anchor_gen,
        rpn_head=rpn_head,
        rpn_pre_nms_top_n_train=cfg["rpn_pre_nms_top_n_train"],
        rpn_post_nms_top_n_train=cfg["rpn_post_nms_top_n_train"],
        rpn_pre_nms_top_n_test=cfg["rpn_pre_nms_top_n_test"],
        rpn_post_nms_top_n_test=cfg["rpn_post_nms_top_n_test"],
        box_roi_pool=box_roi_pool,
        box_head=box_head,
        box_predictor=box_predictor,
        box_score_thresh=cfg["box_score_thresh"],
        box_nms_thresh=cfg["box_nms_thresh"],
        box_detections_per_img=cfg["detections_per_img"],
        box_batch_size_per_image=cfg["box_batch_size_per_image"],
        mask_roi_pool=mask_roi_pool,
        mask_head=mask_head,
        mask_predictor=mask_predictor,
    )
    model.segstream_config = cfg  # type: ignore[attr-defined]
    return model


class SingleLabelRoIHeads(RoIHeads):
    """RoIHeads whose inference keeps ONE label per proposal (its best non-background class) and
    then runs class-agnostic NMS, instead of torchvision's one detection per (proposal, class)
    above the threshold plus per-class NMS. For a model trained on few, mutually exclusive classes
    this removes the low-score "same object, other class" duplicates. Same weights/state_dict;
    enabled by ``--single-label`` (``enable_single_label``). Training is unaffected."""

    def postprocess_detections(self, class_logits, box_regression, proposals, image_shapes):  # type: ignore[override]
        from torchvision.ops import boxes as box_ops

        boxes_per_image = [b.shape[0] for b in proposals]
        pred_boxes = self.box_coder.decode(box_regression, proposals)
        pred_scores = F.softmax(class_logits, -1)
        all_boxes, all_scores, all_labels = [], [], []
        for boxes, scores, image_shape in zip(pred_boxes.split(boxes_per_image, 0),
                                              pred_scores.split(boxes_per_image, 0), image_shapes):
            boxes = box_ops.clip_boxes_to_image(boxes, image_shape)  # [R, C, 4]
            scores, labels = scores[:, 1:].max(dim=1)
            labels = labels + 1
            boxes = boxes[torch.arange(boxes.shape[0], device=boxes.device), labels]
            inds = torch.where(scores > self.score_thresh)[0]
            boxes, scores, labels = boxes[inds], scores[inds], labels[inds]
            keep = box_ops.remove_small_boxes(boxes, min_size=1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = box_ops.nms(boxes, scores, self.nms_thresh)[: self.detections_per_img]
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_labels.append(labels[keep])
        return all_boxes, all_scores, all_labels


def enable_single_label(model: MaskRCNN) -> MaskRCNN:
    """Switch inference to one label per box + class-agnostic NMS (see SingleLabelRoIHeads)."""
    model.roi_heads.__class__ = SingleLabelRoIHeads
    model.segstream_config = dict(model.segstream_config, single_label_per_box=True)  # type: ignore[attr-defined]
    return model


def load_weights(path: str, *, seed: int = 0, **overrides) -> MaskRCNN:
    """Build a model from a checkpoint: ``{"model": state_dict, "config": {...}}`` or a state_dict.

    ``config`` (build_model kwargs saved by the training script) rebuilds the same architecture;
    explicit ``overrides`` (e.g. detections_per_img) win over it. An optional ``"labels"`` list
    (one name per class id, background first) is kept as ``model.segstream_labels`` and goes
    into the manifest instead of the COCO names.
    """
    ckpt = torch.load(path, map_location="cpu")
    config: dict = {}
    state = ckpt
    labels = None
    if isinstance(ckpt, dict) and "model" in ckpt and isinstance(ckpt["model"], dict):
        state = ckpt["model"]
        config = dict(ckpt.get("config") or {})
        labels = ckpt.get("labels")
    config.update(overrides)
    num_classes = int(config.pop("num_classes", 91))
    model = build_model(num_classes, seed=seed, **config)
    model.load_state_dict(state, strict=True)
    if labels is not None:
        if not (isinstance(labels, (list, tuple)) and len(labels) == num_classes
                and all(isinstance(v, str) for v in labels)):
            raise ValueError(f"checkpoint labels must be {num_classes} strings (background first)")
        model.segstream_labels = list(labels)  # type: ignore[attr-defined]
    if isinstance(ckpt, dict) and "model" in ckpt:
        model.segstream_training = training_summary(ckpt)  # type: ignore[attr-defined]
    return model


def training_summary(ckpt: dict) -> Optional[dict]:
    """What a models/train_maskrcnn.py checkpoint records about its training (manifest "training")."""
    args = ckpt.get("args")
    if not isinstance(args, dict):
        return None
    skip = {"probe", "log_every", "ckpt_every", "clips_dir", "out_dir", "init"}

    def recipe(a: dict, i: int) -> str:
        flags = ["--out-dir", f"DIR{i}"]
        if a.get("init"):
            flags += ["--clips-dir", "DIR1/clips", "--init", f"DIR{i - 1}/final.pt"]
        for k, v in a.items():
            if k in skip or v is None or v is False or (k in ("max_minutes", "time_budget_min") and not v):
                continue
            flags += ["--" + k.replace("_", "-"), str(v)]
        return " ".join(["/usr/bin/python3", "models/train_maskrcnn.py"] + flags)

    stages = [st for st in (ckpt.get("stages") or []) if isinstance(st, dict)] + [ckpt]
    total = lambda key: round(sum(float(st.get(key) or 0) for st in stages), 1)  # noqa: E731
    return {
        "script": "models/train_maskrcnn.py",
        "recipe": [recipe(st.get("args") or {}, i + 1) for i, st in enumerate(stages)],
        "seeds": args.get("seeds"),
        "framesPerClip": args.get("frames"),
        "iterations": int(total("iter")),
        "iterationsPerStage": [st.get("iter") for st in stages],
        "batch": args.get("batch"),
        "wallClockSeconds": total("elapsed_s"),
        "cpuSeconds": total("cpu_s"),
        "finalLoss": {k: round(float(v), 4) for k, v in (ckpt.get("loss") or {}).items()},
    }


# --------------------------------------------------------------------------------------------
# Synthetic images (deterministic, used for calibration and as the trace example)
# --------------------------------------------------------------------------------------------


def synthetic_image(height: int = 360, width: int = 640, seed: int = 7) -> Tensor:
    """A deterministic RGB 0..1 test card: gradient background + coloured boxes and ellipses."""
    g = torch.Generator().manual_seed(seed)
    ys = torch.linspace(0, 1, height)[:, None].expand(height, width)
    xs = torch.linspace(0, 1, width)[None, :].expand(height, width)
    img = torch.stack([0.3 + 0.3 * xs, 0.4 + 0.2 * ys, 0.5 - 0.2 * xs * ys])
    for i in range(12):
        r = torch.rand(7, generator=g)
        cx, cy = float(r[0]) * width, float(r[1]) * height
        w, h = 20 + float(r[2]) * width / 4, 20 + float(r[3]) * height / 3
        color = r[4:7][:, None, None]
        if i % 2:
            inside = ((xs * width - cx).abs() < w / 2) & ((ys * height - cy).abs() < h / 2)
        else:
            inside = ((xs * width - cx) / (w / 2)) ** 2 + ((ys * height - cy) / (h / 2)) ** 2 < 1
        img = torch.where(inside[None], color.expand_as(img), img)
    return img.clamp(0, 1).contiguous()


def to_zoo_input(rgb01: Tensor, min_size: int, max_size: int) -> Tensor:
    """RGB 0..1 [3,H,W] -> zoo input: resized (short side min_size, long <= max_size), BGR
    0..255 minus mean, zero-padded to multiples of 32. Mirrors what a caller must do."""
    h, w = rgb01.shape[-2:]
    scale = min(min_size / min(h, w), max_size / max(h, w))
    nh, nw = int(round(h * scale)), int(round(w * scale))
    img = F.interpolate(rgb01[None], size=(nh, nw), mode="bilinear", align_corners=False)[0]
    bgr = img.flip(0) * 255.0 - torch.tensor(ZOO_MEAN_BGR)[:, None, None]
    ph, pw = math.ceil(nh / 32) * 32, math.ceil(nw / 32) * 32
    return F.pad(bgr, (0, pw - nw, 0, ph - nh)).contiguous()


# --------------------------------------------------------------------------------------------
# Deterministic "detection bias" for untrained fixtures
# --------------------------------------------------------------------------------------------


def _capture_input(module: nn.Module, model: nn.Module, image: Tensor) -> Tensor:
    box: List[Tensor] = []
    handle = module.register_forward_hook(lambda m, inp, out: box.append(inp[0].detach().clone()))
    try:
        with torch.no_grad():
            model([image])
    finally:
        handle.remove()
    return box[-1]


@torch.no_grad()
def apply_detect_bias(
    model: MaskRCNN,
    classes: Sequence[int] = DEFAULT_DETECT_CLASSES,
    *,
    seed: int = 1234,
    image: Optional[Tensor] = None,
    score_logit_mean: float = 0.5,
    score_logit_spread: float = 1.5,
    other_logit: float = -8.0,
    mask_logit_mean: float = 2.0,
    mask_logit_spread: float = 1.5,
    box_shift_spread: float = 0.15,
    box_scale_spread: float = 0.4,
) -> MaskRCNN:
    """Make an untrained model produce detections (see module docstring). Deterministic.

    The classifier becomes: background logit 0, every class not in ``classes`` ``other_logit``,
    and each class c in ``classes`` ``w_c . f + b_c`` where w_c is a random direction scaled so
    the logit has mean ``score_logit_mean`` and std ``score_logit_spread`` over the proposals of
    a synthetic calibration image. Their box regression gets feature-dependent shifts and a
    class-dependent mean growth (``BOX_SCALE``), so boxes vary in size and shape. The mask logits
    of those classes get the same treatment with a positive mean (mostly-filled masks).
    """
    model.eval()
    image = synthetic_image() if image is None else image
    g = torch.Generator().manual_seed(seed)
    pred = model.roi_heads.box_predictor
    feats = _capture_input(pred.cls_score, model, image)  # [P, R]
    w, b = pred.cls_score.weight, pred.cls_score.bias
    w.zero_()
    b.fill_(other_logit)
    b[0] = 0.0
    mu = feats.mean(0)
    for c in classes:
        d = torch.randn(feats.shape[1], generator=g)
        spread = ((feats - mu) @ d).std().clamp_min(1e-6)
        wc = d * (score_logit_spread / spread)
        w[c] = wc
        b[c] = score_logit_mean - mu @ wc

    # Box regression: untrained proposals are small anchors clustered on a few edges; give each
    # class a feature-dependent size/shape (torchvision BoxCoder weights 10,10,5,5: raw dw = 5*log(scale)).
    bw, bb = pred.bbox_pred.weight, pred.bbox_pred.bias
    for c in classes:
        sx, sy = BOX_SCALE.get(c, (3.0, 3.0))
        means = [0.0, 0.0, 5.0 * math.log(sx), 5.0 * math.log(sy)]
        spreads = [10.0 * box_shift_spread, 10.0 * box_shift_spread, 5.0 * box_scale_spread, 5.0 * box_scale_spread]
        for k in range(4):
            d = torch.randn(feats.shape[1], generator=g)
            spread = ((feats - mu) @ d).std().clamp_min(1e-6)
            wk = d * (spreads[k] / spread)
            bw[4 * c + k] = wk
            bb[4 * c + k] = means[k] - mu @ wk

    logits = model.roi_heads.mask_predictor.mask_fcn_logits
    mfeats = _capture_input(logits, model, image)  # [N, C, 28, 28]
    if mfeats.shape[0] == 0:
        raise RuntimeError("detect-bias calibration produced no detections")
    mmu = mfeats.mean((0, 2, 3))
    centred = mfeats - mmu[None, :, None, None]
    for c in classes:
        d = torch.randn(mfeats.shape[1], generator=g)
        spread = torch.einsum("nchw,c->nhw", centred, d).std().clamp_min(1e-6)
        wc = d * (mask_logit_spread / spread)
        logits.weight[c, :, 0, 0] = wc
        logits.bias[c] = mask_logit_mean - mmu @ wc
    return model


@torch.no_grad()
def apply_empty_bias(model: MaskRCNN, background_logit: float = 10.0) -> MaskRCNN:
    """Raise the background logit so every class score is ~e^-10: N = 0 on any image."""
    model.roi_heads.box_predictor.cls_score.bias[0] += background_logit
    return model


# --------------------------------------------------------------------------------------------
# Export formats
# --------------------------------------------------------------------------------------------


class Mask28Transform(GeneralizedRCNNTransform):
    """postprocess() rescales boxes to input pixels but leaves masks as [N,1,28,28]."""

    def postprocess(self, result, image_shapes, original_image_sizes):  # type: ignore[override]
        if self.training:
            return result
        for i, (pred, im_s, o_im_s) in enumerate(zip(result, image_shapes, original_image_sizes)):
            result[i]["boxes"] = resize_boxes(pred["boxes"], im_s, o_im_s)
        return result


class ZooTransform(Mask28Transform):
    """No normalisation, no resize (the caller did both); still pads to a multiple of 32."""

    def normalize(self, image: Tensor) -> Tensor:  # type: ignore[override]
        return image

    def resize(self, image, target=None):  # type: ignore[override]
        return image, target


def _clone_transform(t: GeneralizedRCNNTransform, cls, mean=None, std=None) -> GeneralizedRCNNTransform:
    return cls(t.min_size, t.max_size, mean if mean is not None else t.image_mean,
               std if std is not None else t.image_std, size_divisible=t.size_divisible, fixed_size=t.fixed_size)


@torch.no_grad()
def slice_to_coco80(model: MaskRCNN) -> MaskRCNN:
    """Keep only background + the 80 real COCO classes, in contiguous order (zoo label space)."""
    keep = torch.tensor(COCO80_TO_91)
    pred = model.roi_heads.box_predictor
    if pred.cls_score.out_features != 91:
        raise ValueError("slice_to_coco80 needs a 91-class model")
    cls = nn.Linear(pred.cls_score.in_features, 81)
    cls.weight.copy_(pred.cls_score.weight[keep])
    cls.bias.copy_(pred.cls_score.bias[keep])
    box_rows = (keep[:, None] * 4 + torch.arange(4)[None]).reshape(-1)
    bbox = nn.Linear(pred.bbox_pred.in_features, 81 * 4)
    bbox.weight.copy_(pred.bbox_pred.weight[box_rows])
    bbox.bias.copy_(pred.bbox_pred.bias[box_rows])
    pred.cls_score, pred.bbox_pred = cls, bbox
    old = model.roi_heads.mask_predictor.mask_fcn_logits
    new = nn.Conv2d(old.in_channels, 81, 1, 1, 0)
    new.weight.copy_(old.weight[keep])
    new.bias.copy_(old.bias[keep])
    model.roi_heads.mask_predictor.mask_fcn_logits = new
    return model


def prepare_for_format(model: MaskRCNN, fmt: str) -> MaskRCNN:
    """Return an eval-mode deep copy of ``model`` whose forward implements format ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    m = copy.deepcopy(model).eval()
    if fmt == "torchvision-28":
        m.transform = _clone_transform(m.transform, Mask28Transform)
    elif fmt == "zoo":
        m.transform = _clone_transform(m.transform, ZooTransform, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
        m.backbone.input_adapter = ZooInputAdapter()
        if m.roi_heads.box_predictor.cls_score.out_features == 91:
            slice_to_coco80(m)
    return m.eval()  # the replacement transform is a fresh module, i.e. in train mode


def output_names(fmt: str) -> List[str]:
    return list(ZOO_OUTPUT_NAMES) if fmt == "zoo" else ["boxes", "labels", "scores", "masks"]


def export_onnx(model: MaskRCNN, fmt: str, out_path: str, *, opset: int = 11,
                example: Optional[Tensor] = None) -> List[str]:
    """Export ``model`` (any mode; it is copied) to ``out_path`` in format ``fmt``.

    Input ``image`` has dynamic height/width; every output has a dynamic first dim ``N``
    (and, for "torchvision", masks have dynamic ``height``/``width``). Returns the output names.
    """
    m = prepare_for_format(model, fmt)
    cfg = getattr(model, "segstream_config", DEFAULT_CONFIG)
    example = synthetic_image() if example is None else example
    if fmt == "zoo":
        example = to_zoo_input(example, cfg["min_size"], cfg["max_size"])
    # torch refuses numeric output names ("Invalid name: '6568'"): export with the descriptive
    # names, then rename the graph outputs with the onnx package (zoo format).
    tmp_names = ["boxes", "labels", "scores", "masks"]
    names = output_names(fmt)
    dyn: Dict[str, Dict[int, str]] = {"image": {1: "height", 2: "width"}}
    for n in tmp_names:
        dyn[n] = {0: "N"}
    if fmt == "torchvision":
        dyn["masks"] = {0: "N", 2: "height", 3: "width"}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    torch.onnx.export(
        m, ([example],), out_path,
        opset_version=opset,
        input_names=["image"],
        output_names=tmp_names,
        dynamic_axes=dyn,
        do_constant_folding=True,
    )
    import onnx  # local import: only needed for the export checks

    model_proto = onnx.load(out_path)
    if fmt != "torchvision":
        # The exporter leaves the 28x28 mask output as [N, Slicemasks_dim_1, ..]; declare the
        # static dims [N, 1, 28, 28] so runtimes (and signature detection) see them.
        mask_dims = model_proto.graph.output[3].type.tensor_type.shape.dim
        for i, v in ((1, 1), (2, 28), (3, 28)):
            mask_dims[i].Clear()
            mask_dims[i].dim_value = v
    if names != tmp_names:
        rename_values(model_proto.graph, dict(zip(tmp_names, names)))
    onnx.save(model_proto, out_path)
    onnx.checker.check_model(model_proto)
    return names


def rename_values(graph, mapping: Dict[str, str]) -> None:
    """Rename value names in an ONNX graph (node inputs/outputs, graph I/O, value_info).

    Any existing value that already uses a target name is first moved out of the way.
    Subgraphs (Loop/If bodies) are renamed too, since they may read outer-scope values.
    """
    used = set()

    def collect(g):
        for n in g.node:
            used.update(n.input)
            used.update(n.output)
            for a in n.attribute:
                if a.g is not None and a.g.node:
                    collect(a.g)
                for sg in a.graphs:
                    collect(sg)
        used.update(v.name for v in list(g.input) + list(g.output) + list(g.value_info))
        used.update(t.name for t in g.initializer)

    collect(graph)
    full = dict(mapping)
    for old, new in mapping.items():
        if new in used and new not in mapping:
            alt = new + "_renamed"
            while alt in used:
                alt += "_"
            full[new] = alt

    def apply(g):
        for n in g.node:
            n.input[:] = [full.get(x, x) for x in n.input]
            n.output[:] = [full.get(x, x) for x in n.output]
            for a in n.attribute:
                if a.g is not None and a.g.node:
                    apply(a.g)
                for sg in a.graphs:
                    apply(sg)
        for v in list(g.input) + list(g.output) + list(g.value_info):
            v.name = full.get(v.name, v.name)
        for t in g.initializer:
            t.name = full.get(t.name, t.name)

    apply(graph)


# --------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_labels(fmt: str, num_classes: int, custom: Optional[List[str]] = None) -> Tuple[List[str], str]:
    """(labels, labelSpace) of an exported graph: COCO-91, the zoo's COCO-80 slice, or custom."""
    if fmt == "zoo" and num_classes == 91 and custom is None:
        return COCO_81, "coco80-contiguous"
    if custom is not None:
        return list(custom), "custom"
    if num_classes == 91:
        return COCO_91, "coco91"
    return ["__background__"] + [f"class {i}" for i in range(1, num_classes)], "custom"


def manifest_for(name: str, fmt: str, path: str, cfg: dict, *, trained: bool, detect_bias: bool,
                 empty: bool, recipe: str, opset: int, weights: Optional[str],
                 labels: Optional[List[str]] = None, training: Optional[dict] = None) -> dict:
    names = output_names(fmt)
    labels, label_space = manifest_labels(fmt, cfg["num_classes"], labels)
    if fmt == "zoo":
        inp = {
            "name": "image", "dtype": "float32", "shape": [3, "height", "width"], "layout": "CHW",
            "color": "BGR", "range": "0..255 minus mean", "mean": ZOO_MEAN_BGR,
            "normalizedInGraph": False, "resizedInGraph": False, "padMultiple": 32,
            "resize": {"minSize": cfg["min_size"], "maxSize": cfg["max_size"]},
            "note": ("Caller resizes (this tiny model was built for short side %d / long side <= %d; the real "
                     "ONNX Model Zoo MaskRCNN-10/12 wants 800 / 1333), converts to BGR 0..255, subtracts the "
                     "mean and zero-pads to multiples of 32. Any size that is a multiple of 32 is accepted."
                     % (cfg["min_size"], cfg["max_size"])),
        }
        box_coords = "xyxy in input (resized, padded) pixels"
    else:
        inp = {
            "name": "image", "dtype": "float32", "shape": [3, "height", "width"], "layout": "CHW",
            "color": "RGB", "range": [0, 1], "normalizedInGraph": True, "resizedInGraph": True,
            "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
            "resize": {"minSize": cfg["min_size"], "maxSize": cfg["max_size"]},
            "note": "Any size; the graph normalises, resizes (short side %d, long <= %d) and pads itself."
                    % (cfg["min_size"], cfg["max_size"]),
        }
        box_coords = "xyxy in input pixels"
    kind = ("torchvision %s" % cfg["arch"]) if "arch" in cfg else \
        "torchvision MaskRCNN, TinyResNet+FPN backbone (models/export_maskrcnn.py)"
    arch = {"kind": kind,
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()}}
    if fmt == "zoo" and cfg["num_classes"] == 91:
        arch["num_classes"] = 81
        arch["classHeadsSlicedFrom"] = 91
    mask_shape = ["N", 1, "height", "width"] if fmt == "torchvision" else ["N", 1, 28, 28]
    outputs = {
        "boxes": {"name": names[0], "dtype": "float32", "shape": ["N", 4], "coords": box_coords},
        "labels": {"name": names[1], "dtype": "int64", "shape": ["N"], "labelSpace": label_space},
        "scores": {"name": names[2], "dtype": "float32", "shape": ["N"]},
        "masks": {"name": names[3], "dtype": "float32", "shape": mask_shape,
                  "content": ("probabilities pasted into the full input frame" if fmt == "torchvision"
                              else "28x28 box-relative probabilities; caller pastes (bilinear, threshold 0.5)")},
    }
    notes = []
    if detect_bias:
        notes.append("UNTRAINED: random init plus a deterministic detection bias (classes person/car/bottle get "
                     "high scores, masks mostly filled boxes) so the pipeline sees detections. Boxes, classes "
                     "and masks carry no information about the image.")
    if empty:
        notes.append("UNTRAINED: random init, background logit +10: returns N = 0 detections on any image.")
    if not trained and not detect_bias and not empty:
        notes.append("UNTRAINED: random init; expect no detections.")
    if trained and training:
        notes.append("TRAINED from scratch by models/train_maskrcnn.py on segstream synthetic clips (seeds %s), "
                     "classes: %s. Synthetic shapes only (not COCO). See models/MODEL_CARD.md."
                     % (training.get("seeds"), ", ".join(labels[1:])))
    if fmt == "zoo":
        notes.append("Output names are numeric (as in the real ONNX Model Zoo model): identify outputs by order "
                     "(boxes, labels, scores, masks) and shape, not by name."
                     + (" Labels are contiguous COCO-80 ids." if label_space == "coco80-contiguous" else ""))
    man = {
        "name": name,
        "format": fmt,
        "labels": labels,
        "labelSpace": label_space,
        "trained": trained,
        "detectBias": detect_bias,
        "empty": empty,
        "input": inp,
        "outputs": outputs,
        "outputOrder": names,
        "postprocessInGraph": {"scoreThreshold": cfg["box_score_thresh"], "nmsIoU": cfg["box_nms_thresh"],
                               "nms": ("class-agnostic, one label per box" if cfg.get("single_label_per_box") else "per-class"),
                               "maxDetections": cfg["detections_per_img"]},
        "architecture": arch,
        "opset": opset,
        "weights": weights,
        "notes": notes,
        "recipe": recipe,
        "sha256": sha256_file(path),
        "bytes": os.path.getsize(path),
        "exporter": {"torch": torch.__version__, "torchvision": torchvision.__version__},
    }
    if training:
        man["training"] = training
        man["trainingSeeds"] = _expand_seeds(training.get("seeds"))
    return man


def _expand_seeds(spec) -> List[int]:
    """'1000-1119,1500' -> [1000, ..., 1119, 1500] (the synth seeds a model was trained on)."""
    out: List[int] = []
    for part in str(spec or "").split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


# --------------------------------------------------------------------------------------------
# Non-model fixtures
# --------------------------------------------------------------------------------------------


def write_signature_fixtures(out_dir: str) -> List[str]:
    """unknown-signature.onnx (valid ONNX, one Add on input "x" [1,4]) and not-onnx.onnx (text)."""
    import onnx
    from onnx import TensorProto, helper

    os.makedirs(out_dir, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    one = helper.make_tensor("one", TensorProto.FLOAT, [1, 4], [1.0, 1.0, 1.0, 1.0])
    graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"], name="add")],
                              "unknown_signature", [x], [y], initializer=[one])
    model = helper.make_model(graph, producer_name="segstream-fixtures",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    p1 = os.path.join(out_dir, "unknown-signature.onnx")
    with open(p1, "wb") as f:
        f.write(model.SerializeToString())
    p2 = os.path.join(out_dir, "not-onnx.onnx")
    with open(p2, "w") as f:
        f.write("This is not an ONNX model: segstream test fixture for the 'not a valid model' error path.\n")
    return [p1, p2]


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------

SCRIPT = "models/export_maskrcnn.py"

#: The committed files: (name, format, out path, extra args).
ALL_TARGETS = [
    # The bundled model is TRAINED (models/train_maskrcnn.py, see models/MODEL_CARD.md); --all
    # re-exports it from the committed checkpoint. The fixtures below stay untrained.
    ("segstream-maskrcnn-tiny", "torchvision-28", "models/segstream-maskrcnn-tiny.onnx",
     ["--weights", "models/segstream-maskrcnn-tiny.pt"]),
    ("tiny-28", "torchvision-28", "test/fixtures/models/tiny-28.onnx", ["--detect-bias"]),
    ("tiny-full", "torchvision", "test/fixtures/models/tiny-full.onnx", ["--detect-bias"]),
    ("tiny-zoo", "zoo", "test/fixtures/models/tiny-zoo.onnx", ["--detect-bias"]),
    ("tiny-empty", "torchvision-28", "test/fixtures/models/tiny-empty.onnx", ["--empty"]),
]


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _parse_ints(s: str) -> Tuple[int, ...]:
    return tuple(int(v) for v in s.split(",") if v.strip())


def _recipe(args: argparse.Namespace) -> str:
    parts = ["/usr/bin/python3", SCRIPT, "--format", args.format]
    if args.arch != "tiny":
        parts += ["--arch", args.arch]
    if args.pretrained:
        parts.append("--pretrained")
    if args.min_size is not None:
        parts += ["--min-size", str(args.min_size)]
    if args.max_size is not None:
        parts += ["--max-size", str(args.max_size)]
    if args.detect_bias:
        parts.append("--detect-bias")
        if tuple(args.detect_classes) != DEFAULT_DETECT_CLASSES:
            parts += ["--detect-classes", ",".join(map(str, args.detect_classes))]
    if args.empty:
        parts.append("--empty")
    if args.weights:
        parts += ["--weights", _rel(args.weights)]
    if args.seed != 0:
        parts += ["--seed", str(args.seed)]
    if args.opset != 11:
        parts += ["--opset", str(args.opset)]
    if args.detections_per_img is not None:
        parts += ["--detections-per-img", str(args.detections_per_img)]
    if args.single_label:
        parts.append("--single-label")
    parts += ["--name", args.name, "--out", _rel(args.out)]
    return " ".join(parts)


def _rel(path: str) -> str:
    root = _repo_root()
    ap = os.path.abspath(path)
    return os.path.relpath(ap, root) if ap.startswith(root + os.sep) else path


TORCHVISION_ARCHS = ("maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2")


def build_torchvision_model(arch: str, *, pretrained: bool, min_size: Optional[int] = None,
                            max_size: Optional[int] = None, detections_per_img: Optional[int] = None) -> MaskRCNN:
    """A stock torchvision Mask R-CNN (R50-FPN v1 or v2), COCO weights if ``pretrained``.

    ``weights="DEFAULT"`` downloads ~170 MB into ~/.cache/torch/hub/checkpoints on first use
    (internet needed once). Without ``pretrained`` the model is randomly initialised (only useful to
    test the export plumbing).
    """
    from torchvision.models import detection

    kwargs: dict = {}
    if min_size is not None:
        kwargs["min_size"] = min_size
    if max_size is not None:
        kwargs["max_size"] = max_size
    kwargs["box_detections_per_img"] = 100 if detections_per_img is None else detections_per_img
    model = getattr(detection, arch)(weights="DEFAULT" if pretrained else None, weights_backbone=None, **kwargs)
    model.segstream_config = {  # type: ignore[attr-defined]
        "arch": arch,
        "num_classes": model.roi_heads.box_predictor.cls_score.out_features,
        "min_size": model.transform.min_size[-1],
        "max_size": model.transform.max_size,
        "box_score_thresh": model.roi_heads.score_thresh,
        "box_nms_thresh": model.roi_heads.nms_thresh,
        "detections_per_img": model.roi_heads.detections_per_img,
    }
    return model


def export_one(args: argparse.Namespace) -> dict:
    overrides = {}
    if args.detections_per_img is not None:
        overrides["detections_per_img"] = args.detections_per_img
    if args.min_size is not None:
        overrides["min_size"] = args.min_size
    if args.max_size is not None:
        overrides["max_size"] = args.max_size
    if args.arch != "tiny":
        if args.weights:
            raise SystemExit("--weights is for --arch tiny; torchvision archs use --pretrained")
        model = build_torchvision_model(args.arch, pretrained=args.pretrained, min_size=args.min_size,
                                        max_size=args.max_size, detections_per_img=args.detections_per_img)
    elif args.pretrained:
        raise SystemExit("--pretrained needs --arch maskrcnn_resnet50_fpn or maskrcnn_resnet50_fpn_v2")
    elif args.weights:
        model = load_weights(args.weights, seed=args.seed, **overrides)
    else:
        model = build_model(91, seed=args.seed, **overrides)
    model.eval()
    if args.single_label:
        enable_single_label(model)
    if args.detect_bias and args.empty:
        raise SystemExit("--detect-bias and --empty are exclusive")
    if args.detect_bias:
        apply_detect_bias(model, args.detect_classes)
    if args.empty:
        apply_empty_bias(model)
    export_onnx(model, args.format, args.out, opset=args.opset)
    cfg = model.segstream_config  # type: ignore[attr-defined]
    man = manifest_for(args.name, args.format, args.out, cfg,
                       trained=bool(args.weights or args.pretrained) and not args.detect_bias and not args.empty,
                       detect_bias=args.detect_bias, empty=args.empty, recipe=_recipe(args),
                       opset=args.opset,
                       weights=args.weights or (f"torchvision {args.arch} weights=DEFAULT" if args.pretrained else None),
                       labels=getattr(model, "segstream_labels", None),
                       training=getattr(model, "segstream_training", None))
    man_path = os.path.splitext(args.out)[0] + ".json"
    with open(man_path, "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    print(f"wrote {_rel(args.out)} ({man['bytes']} bytes, sha256 {man['sha256'][:16]}...) and {_rel(man_path)}")
    return man


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=FORMATS, default="torchvision-28")
    p.add_argument("--out", help="output .onnx path (manifest goes next to it, same basename + .json)")
    p.add_argument("--name", help="model name for the manifest (default: output basename)")
    p.add_argument("--weights", help="checkpoint to load: {'model': state_dict, 'config': {...}} or a state_dict")
    p.add_argument("--arch", choices=("tiny",) + TORCHVISION_ARCHS, default="tiny",
                   help="tiny (this file's model, default) or a stock torchvision R50-FPN Mask R-CNN")
    p.add_argument("--pretrained", action="store_true",
                   help="with a torchvision --arch: COCO weights (weights='DEFAULT'; downloads once, needs internet)")
    p.add_argument("--min-size", type=int, default=None, help="transform short side (tiny: 320, torchvision: 800)")
    p.add_argument("--max-size", type=int, default=None, help="transform long-side cap (tiny: 576, torchvision: 1333)")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the random init (default 0)")
    p.add_argument("--opset", type=int, default=11)
    p.add_argument("--detections-per-img", type=int, default=None, help="max detections (default 20)")
    p.add_argument("--single-label", action="store_true",
                   help="inference keeps one label per box (best class) + class-agnostic NMS (SingleLabelRoIHeads)")
    p.add_argument("--detect-bias", action="store_true",
                   help="untrained fixture: force detections of --detect-classes (see docstring)")
    p.add_argument("--detect-classes", type=_parse_ints, default=DEFAULT_DETECT_CLASSES,
                   help="COCO-91 ids for --detect-bias (default 1,3,44 = person,car,bottle)")
    p.add_argument("--empty", action="store_true", help="untrained fixture that returns N = 0 on any image")
    p.add_argument("--signature-fixtures", metavar="DIR",
                   help="write unknown-signature.onnx and not-onnx.onnx into DIR and exit")
    p.add_argument("--all", action="store_true", help="re-create every committed model file and fixture")
    args = p.parse_args(argv)

    if args.all:
        root = _repo_root()
        for name, fmt, out, extra in ALL_TARGETS:
            extra = [os.path.join(root, a) if a.endswith(".pt") else a for a in extra]
            main(["--format", fmt, "--name", name, "--out", os.path.join(root, out)] + extra)
        for path in write_signature_fixtures(os.path.join(root, "test/fixtures/models")):
            print(f"wrote {_rel(path)}")
        return 0
    if args.signature_fixtures:
        for path in write_signature_fixtures(args.signature_fixtures):
            print(f"wrote {_rel(path)}")
        return 0
    if not args.out:
        p.error("--out is required (or use --all / --signature-fixtures)")
    args.name = args.name or os.path.splitext(os.path.basename(args.out))[0]
    export_one(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
