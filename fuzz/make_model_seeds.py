"""Seeds for the `model_bytes` fuzz target: tiny ONNX graphs in BlazeFace's shape (a 128×128×3 NHWC
input, the four head outputs [1,512,1], [1,512,16], [1,384,1], [1,384,16]) that use every operator
the engine runs, with few channels so they stay a few kB. Made once with the `onnx` Python package
(not a project dependency); the files are committed in corpus/model_bytes/.
    python3 fuzz/make_model_seeds.py fuzz/corpus/model_bytes
"""
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def weights(name, *shape, scale=0.3):
    return const(name, (rng.standard_normal(shape) * scale).astype(np.float32))


def model(variant):
    nodes, inits = [], []
    c = 4
    inits += [weights("w0", c, 3, 5, 5), weights("b0", c)]
    nodes += [
        helper.make_node("Transpose", ["input"], ["x0"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["x0", "w0", "b0"], ["c0"], kernel_shape=[5, 5], strides=[2, 2], pads=[1, 1, 2, 2]),
        helper.make_node("Relu", ["c0"], ["r0"]),  # 64×64×4
    ]
    # A residual block with channel padding: depthwise 3×3, pointwise 4→6, add padded input, relu.
    inits += [weights("dw1", c, 1, 3, 3), weights("pw1", 6, c, 1, 1), weights("pb1", 6), const("zshape", np.array([1, 2, 64, 64], dtype=np.int64))]
    nodes += [
        helper.make_node("Conv", ["r0", "dw1"], ["d1"], kernel_shape=[3, 3], group=c, pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["d1", "pw1", "pb1"], ["p1"], kernel_shape=[1, 1]),
        helper.make_node("ConstantOfShape", ["zshape"], ["z1"]),
        helper.make_node("Concat", ["r0", "z1"], ["pad1"], axis=1),
        helper.make_node("Add", ["p1", "pad1"], ["a1"]),
        helper.make_node("Relu", ["a1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["m1"], kernel_shape=[2, 2], strides=[2, 2]),  # 32×32×6
    ]
    if variant == "strided":
        # Stride-2 depthwise with TensorFlow's "same" padding, plus max-pool shortcut.
        inits += [weights("dw2", 6, 1, 3, 3), weights("pw2", 6, 6, 1, 1), weights("pb2", 6)]
        nodes += [
            helper.make_node("Conv", ["m1", "dw2"], ["d2"], kernel_shape=[3, 3], group=6, strides=[2, 2], pads=[0, 0, 1, 1]),
            helper.make_node("Conv", ["d2", "pw2", "pb2"], ["p2"], kernel_shape=[1, 1]),
            helper.make_node("MaxPool", ["m1"], ["mp2"], kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Add", ["p2", "mp2"], ["a2"]),
            helper.make_node("Relu", ["a2"], ["fine"]),  # 16×16×6
        ]
    else:
        nodes += [helper.make_node("MaxPool", ["m1"], ["fine"], kernel_shape=[2, 2], strides=[2, 2])]
    nodes += [helper.make_node("MaxPool", ["fine"], ["coarse"], kernel_shape=[2, 2], strides=[2, 2])]  # 8×8×6
    outputs = []
    for grid, cells, anchors in [("fine", 16 * 16, 2), ("coarse", 8 * 8, 6)]:
        n = cells * anchors
        for kind, per in [("scores", 1), ("boxes", 16)]:
            name = f"{grid}_{kind}"
            inits += [weights(f"w_{name}", anchors * per, 6, 1, 1, scale=0.1), weights(f"b_{name}", anchors * per, scale=0.1)]
            inits += [const(f"shape_{name}", np.array([1, n, per], dtype=np.int64))]
            nodes += [
                helper.make_node("Conv", [grid, f"w_{name}", f"b_{name}"], [f"h_{name}"], kernel_shape=[1, 1]),
                helper.make_node("Transpose", [f"h_{name}"], [f"t_{name}"], perm=[0, 2, 3, 1]),
                helper.make_node("Reshape", [f"t_{name}", f"shape_{name}"], [name]),
            ]
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, n, per]))
    graph = helper.make_graph(nodes, "seed", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 128, 128, 3])], outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    onnx.checker.check_model(m)
    return m.SerializeToString()


for variant in ["plain", "strided"]:
    with open(f"{sys.argv[1]}/tiny_{variant}.onnx", "wb") as f:
        f.write(model(variant))
