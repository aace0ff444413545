"""Builds bench/fixtures/constant-detector.onnx (+ .json): a torchvision-28 Mask R-CNN *signature*
whose outputs are constants (10 instances spread over a 1280x720 frame, 28x28 masks of discs).

It costs ~nothing to run, so a pipeline using it measures everything outside the model: decode,
transport, preprocessing, postprocessing (mask paste, RLE), drawing and encoding.

Its manifest states the bundled model's input spec (the graph resizes to short side 240, long
side <= 432), so segstream prepares a 1280x720 frame exactly as for the bundled model: shrunk to
426x240. The constant boxes are therefore given in that 426x240 input space; mapped back they
cover the same 80-360 px regions of the 1280x720 frame. Without the manifest (the bench also runs
that way) the frame goes in at full size and the boxes land in the top-left third.
Run with Debian's python: /usr/bin/python3 bench/make_constant_model.py
"""
import json
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

N = 10
rng = np.random.default_rng(7)
boxes = []
for i in range(N):
    w, h = rng.integers(80, 360), rng.integers(80, 360)
    x, y = rng.integers(0, 1280 - w), rng.integers(0, 720 - h)
    boxes.append([x, y, x + w, y + h])
# 1280x720 frame -> the graph's working size 426x240 (floor(1280 * 240/720), 240).
boxes = (np.array(boxes, dtype=np.float64) * [426 / 1280, 240 / 720, 426 / 1280, 240 / 720]).astype(np.float32)
labels = np.array([1, 3, 44, 1, 3, 44, 1, 3, 44, 1], dtype=np.int64)
scores = np.linspace(0.95, 0.6, N).astype(np.float32)
yy, xx = np.mgrid[0:28, 0:28]
disc = (((xx - 13.5) ** 2 + (yy - 13.5) ** 2) < 12 ** 2).astype(np.float32)
masks = np.repeat(disc[None, None], N, axis=0) * 0.9 + 0.05

outputs = []
nodes = []
for name, arr, ttype in [("boxes", boxes, TensorProto.FLOAT), ("labels", labels, TensorProto.INT64),
                         ("scores", scores, TensorProto.FLOAT), ("masks", masks.astype(np.float32), TensorProto.FLOAT)]:
    nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(arr, name + "_value")))
    outputs.append(helper.make_tensor_value_info(name, ttype, list(arr.shape)))
inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, [3, "height", "width"])
graph = helper.make_graph(nodes, "constant_detector", [inp], outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="segstream-bench")
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, "bench/fixtures/constant-detector.onnx")
manifest = {
    "name": "constant-detector",
    "format": "torchvision-28",
    "trained": False,
    "input": {"name": "image", "resize": {"minSize": 240, "maxSize": 432},
              "note": "the bundled model's input spec (models/segstream-maskrcnn-tiny.json)"},
}
with open("bench/fixtures/constant-detector.json", "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
print("wrote bench/fixtures/constant-detector.onnx and .json")
