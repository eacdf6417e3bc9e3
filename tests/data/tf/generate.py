#!/usr/bin/env python3
"""Regenerate the TensorFlow reference fixtures in tests/data/tf/.

What it makes (all files land next to this script):

  mlp_frozen.pb / mlp_frozen.pbtxt
      A frozen inference graph (weights baked into Const nodes) built with
      tf.compat.v1 graph mode.  Input placeholder "x" float32 [?, 6]; the
      graph also has a PlaceholderWithDefault "temperature" that is left at
      its default.  mlp_frozen.x.npy holds the batch fed to "x";
      mlp_frozen.<name>.npy holds TensorFlow's value for each fetch.
      mlp_frozen.fetches.txt lists the feed and the fetches (see that file).

  variables.pb / variables.pbtxt
      A graph with resource variables (VarHandleOp / AssignVariableOp /
      ReadVariableOp / AssignAddVariableOp only).  Run "init", fetch "y",
      run "increment", fetch "y" again.  Expected values:
      variables.x.npy, variables.y_before.npy, variables.y_after.npy.
      README.txt describes the sequence.

  random.pbtxt
      Seeded RandomUniform / RandomStandardNormal / TruncatedNormal nodes.
      Each node was evaluated twice in one session;
      random.<node>.run1.npy and random.<node>.run2.npy hold the two draws.

  op_signatures.txt
      TensorFlow's registered OpDef for every op the C++ side implements,
      in a line format documented at the top of that file.

  README.txt
      How to use the fixtures (feeds, fetches, the variables run sequence).

Every graph is checked to contain only supported ops; the script fails
loudly otherwise.  It is deterministic (fixed seeds, deterministic proto
serialisation).

Rerun with:

    python3 tests/data/tf/generate.py
"""

import collections
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Plain Eigen kernels (no oneDNN rewrites) for reproducible reference values.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.framework import types_pb2
from tensorflow.python.framework import op_def_registry

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

SUPPORTED_OPS = [
    "Placeholder", "PlaceholderWithDefault", "Const", "Identity", "NoOp",
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AddV2", "Add", "Sub", "Mul", "RealDiv", "Neg", "Maximum", "Minimum",
    "Pow", "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Abs", "Sign", "Relu",
    "Sigmoid", "Tanh", "Softplus", "MatMul", "BiasAdd", "Sum", "Mean", "Max",
    "ArgMax", "Reshape", "Transpose", "ExpandDims", "Squeeze", "ConcatV2",
    "Slice", "Shape", "Fill", "ZerosLike", "OnesLike", "Cast", "Equal",
    "Greater", "Less", "SelectV2", "Softmax", "LogSoftmax",
    "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
    "RandomUniform", "RandomStandardNormal", "TruncatedNormal",
    "AddN", "SigmoidGrad", "TanhGrad", "SqrtGrad", "RsqrtGrad", "ReluGrad",
    "SoftplusGrad", "BiasAddGrad", "BroadcastGradientArgs", "BroadcastTo", "Pad",
    "StopGradient", "InvertPermutation", "ConcatOffset", "Size", "Sin", "Cos",
    "Floor", "AssignSubVariableOp", "ResourceApplyGradientDescent",
    "ResourceApplyMomentum", "ResourceApplyAdam", "ResourceApplyRMSProp",
    "ResourceApplyCenteredRMSProp", "ResourceApplyAdagradV2",
]

raw = tf.raw_ops


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def out_path(name):
    return os.path.join(OUT_DIR, name)


def save_npy(name, value):
    arr = np.asarray(value)
    # Force native little-endian, C order.
    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
    np.save(out_path(name), arr, allow_pickle=False)


def write_graph(graph_def, stem, binary=True):
    if binary:
        with open(out_path(stem + ".pb"), "wb") as f:
            f.write(graph_def.SerializeToString(deterministic=True))
    with open(out_path(stem + ".pbtxt"), "w") as f:
        f.write(text_format.MessageToString(graph_def))


def check_and_histogram(graph_def, label):
    hist = collections.Counter(n.op for n in graph_def.node)
    bad = sorted(op for op in hist if op not in SUPPORTED_OPS)
    print("%s: %d nodes" % (label, len(graph_def.node)))
    for op, count in sorted(hist.items()):
        print("    %-40s %d" % (op, count))
    if bad:
        raise SystemExit("%s contains unsupported ops: %s" % (label, ", ".join(bad)))
    if graph_def.library.function:
        raise SystemExit("%s unexpectedly contains a function library" % label)
    return hist


def f32(a):
    return tf.constant(np.asarray(a, dtype=np.float32))


def i32(a):
    return tf.constant(np.asarray(a, dtype=np.int32))


# --------------------------------------------------------------------------
# 1. frozen MLP-style inference graph
# --------------------------------------------------------------------------

def make_mlp():
    rng = np.random.RandomState(20240607)
    w1 = rng.standard_normal((6, 8)).astype(np.float32) * 0.5
    b1 = rng.standard_normal((8,)).astype(np.float32) * 0.1
    w2t = rng.standard_normal((4, 8)).astype(np.float32) * 0.5   # used with transpose_b
    b2 = rng.standard_normal((4,)).astype(np.float32) * 0.1
    w3 = rng.standard_normal((4, 3)) * 3.0
    w3 = (w3 - w3.mean(axis=0, keepdims=True)).astype(np.float32)  # zero column sums
    w4 = rng.standard_normal((6, 3)).astype(np.float32)
    x_val = rng.standard_normal((5, 6)).astype(np.float32)

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, shape=[None, 6], name="x")
        temperature = tf.compat.v1.placeholder_with_default(
            tf.constant(1.25, dtype=tf.float32, name="temperature_default"),
            shape=[], name="temperature")

        W1 = tf.constant(w1, name="dense1/kernel")
        B1 = tf.constant(b1, name="dense1/bias")
        W2T = tf.constant(w2t, name="dense2/kernel_t")
        B2 = tf.constant(b2, name="dense2/bias")
        W3 = tf.constant(w3, name="head/kernel")
        W4 = tf.constant(w4, name="head/skip_kernel")

        # dense 1: MatMul + BiasAdd + Relu            -> [B, 8]
        mm1 = raw.MatMul(a=x, b=W1, name="dense1/MatMul")
        h1 = raw.Relu(features=raw.BiasAdd(value=mm1, bias=B1, name="dense1/BiasAdd"),
                      name="dense1/Relu")

        # dense 2: MatMul(transpose_b) + broadcasting AddV2 -> [B, 4]
        mm2 = raw.MatMul(a=h1, b=W2T, transpose_b=True, name="dense2/MatMul")
        z2 = raw.AddV2(x=mm2, y=B2, name="dense2/add")

        t = raw.Tanh(x=z2, name="act/tanh")
        s = raw.Sigmoid(x=z2, name="act/sigmoid")
        e = raw.Exp(x=raw.Neg(x=raw.Square(x=t, name="act/sq"), name="act/neg"),
                    name="act/exp")

        # ConcatV2 -> [B, 12], Reshape -> [B, 3, 4], Transpose -> [B, 4, 3]
        cat = raw.ConcatV2(values=[t, s, e], axis=i32(1), name="mix/concat")
        r = raw.Reshape(tensor=cat, shape=i32([-1, 3, 4]), name="mix/reshape")
        tr = raw.Transpose(x=r, perm=i32([0, 2, 1]), name="mix/transpose")

        # Reductions over the last axis.
        mean_k = raw.Mean(input=tr, axis=i32([2]), keep_dims=True, name="red/mean")  # [B,4,1]
        mean_s = raw.Squeeze(input=mean_k, axis=[2], name="red/squeeze")           # [B,4]
        tot = raw.Sum(input=tr, axis=i32(2), name="red/sum")                       # [B,4]
        mx = raw.Max(input=tr, axis=i32([2]), name="red/max")                       # [B,4]

        pre = raw.Sub(x=raw.AddV2(x=mean_s, y=raw.Mul(x=mx, y=f32(0.5), name="red/mul"),
                                  name="red/add"),
                      y=raw.Mul(x=tot, y=f32(0.7), name="red/mul_1"), name="red/sub")

        # Leaky gate: SelectV2(Greater(pre, 0), pre, 0.1 * pre)
        pos = raw.Greater(x=pre, y=f32(0.0), name="gate/greater")
        gated = raw.SelectV2(condition=pos, t=pre,
                             e=raw.Mul(x=pre, y=f32(0.1), name="gate/leak"),
                             name="gate/select")

        # Head: [B,4] x [4,3] plus a skip path [B,6] x [6,3] -> logits [B,3],
        # scaled by 1/temperature
        head = raw.AddV2(x=raw.MatMul(a=gated, b=W3, name="head/MatMul"),
                         y=raw.MatMul(a=x, b=W4, name="head/skip"), name="head/add")
        logits = raw.RealDiv(x=head, y=temperature, name="head/logits")

        probs = raw.Softmax(logits=logits, name="head/softmax")
        logp = raw.LogSoftmax(logits=logits, name="head/log_softmax")
        am = raw.ArgMax(input=logits, dimension=i32(1), output_type=tf.int64,
                        name="head/argmax")

        # Batch-size dependent scaling via Shape -> Slice -> Cast
        shp = raw.Shape(input=x, out_type=tf.int32, name="batch/shape")
        bsz = raw.Slice(input=shp, begin=i32([0]), size=i32([1]), name="batch/slice")
        bsz_f = raw.Cast(x=bsz, DstT=tf.float32, name="batch/cast")

        # Feature vector: a spread of elementwise ops                -> [B, 9]
        h_first = raw.Slice(input=h1, begin=i32([0, 2]), size=i32([-1, 3]),
                            name="feat/slice")                      # [B,3]
        mask_f = raw.Cast(x=pos, DstT=tf.float32, name="feat/mask")  # [B,4]
        sp = raw.Softplus(features=logits, name="feat/softplus")
        lg = raw.Log(x=sp, name="feat/log")                          # [B,3]
        sq = raw.Sqrt(x=raw.AddV2(x=raw.Abs(x=pre, name="feat/abs"), y=f32(1.0),
                                  name="feat/add1"), name="feat/sqrt")
        rs = raw.Rsqrt(x=raw.AddV2(x=raw.Square(x=pre, name="feat/sq"), y=f32(1.0),
                                   name="feat/add2"), name="feat/rsqrt")
        pw = raw.Pow(x=s, y=f32(1.5), name="feat/pow")
        sg = raw.Sign(x=pre, name="feat/sign")
        clip = raw.Minimum(x=raw.Maximum(x=pre, y=f32(-0.2), name="feat/max"),
                           y=f32(0.2), name="feat/min")
        combo = raw.AddV2(
            x=raw.Mul(x=raw.Sub(x=sq, y=rs, name="feat/sub"), y=mask_f, name="feat/mul_mask"),
            y=raw.AddV2(x=raw.Mul(x=pw, y=sg, name="feat/mul_sign"), y=clip,
                        name="feat/add3"),
            name="feat/combo")                                       # [B,4]
        feat_cat = raw.ConcatV2(values=[h_first, combo, lg], axis=i32(-1),
                                name="feat/concat")                  # [B,10]
        feat = raw.RealDiv(x=feat_cat, y=bsz_f, name="feat/div_batch")

        # ExpandDims + Squeeze round trip on probs' entropy -> [B]
        ent = raw.Neg(x=raw.Sum(input=raw.Mul(x=probs, y=logp, name="ent/mul"),
                                axis=i32([1]), keep_dims=True, name="ent/sum"),
                      name="ent/neg")                                # [B,1]
        ent3 = raw.ExpandDims(input=ent, axis=i32(-1), name="ent/expand")  # [B,1,1]
        ent1 = raw.Squeeze(input=ent3, axis=[], name="ent/squeeze_all")    # [B] (B>1)

        # Fill / ZerosLike / OnesLike / legacy Add / Less / Equal, plus Const
        # encodings not seen above: a splat float (one float_val, shape [3]),
        # a bool vector (bool_val) and an int64 scalar.
        splat = tf.constant(0.5, shape=[3], dtype=tf.float32, name="extra/splat")
        fill = raw.Fill(dims=raw.Shape(input=logits, out_type=tf.int32, name="extra/shape"),
                        value=f32(0.25), name="extra/fill")
        ones = raw.OnesLike(x=logits, name="extra/ones")
        zeros = raw.ZerosLike(x=logits, name="extra/zeros")
        shifted = raw.Add(x=raw.AddV2(x=logits, y=splat, name="extra/add_splat"), y=fill,
                          name="extra/add_fill")
        neg_mask = raw.Less(x=logits, y=zeros, name="extra/less")
        pattern = tf.constant([True, False, True], name="extra/pattern")
        same = raw.Equal(x=neg_mask, y=pattern, name="extra/equal_bool")
        signs = raw.SelectV2(condition=same, t=ones, e=raw.Neg(x=ones, name="extra/neg_ones"),
                             name="extra/select")
        is0 = raw.Equal(x=am, y=tf.constant(0, dtype=tf.int64, name="extra/zero_i64"),
                        name="extra/equal_i64")
        is0_f = raw.ExpandDims(input=raw.Cast(x=is0, DstT=tf.float32, name="extra/cast_is0"),
                               axis=i32(1), name="extra/expand_is0")     # [B,1]
        extra = raw.AddV2(x=raw.Mul(x=signs, y=shifted, name="extra/mul"), y=is0_f,
                          name="extra/out")                             # [B,3]

        # Losses (multi-output ops).
        sparse_loss, _ = raw.SparseSoftmaxCrossEntropyWithLogits(
            features=logits, labels=am, name="loss/sparse_xent")
        soft_labels = raw.Softmax(logits=extra, name="loss/labels")
        xent_loss, xent_backprop = raw.SoftmaxCrossEntropyWithLogits(
            features=logits, labels=soft_labels, name="loss/xent")

        # A float64 path.
        l64 = raw.Cast(x=logits, DstT=tf.float64, name="f64/cast")
        norm64 = raw.Sqrt(x=raw.Sum(input=raw.Square(x=l64, name="f64/square"),
                                    axis=i32([1]), name="f64/sum"), name="f64/sqrt")

        outputs = collections.OrderedDict()
        outputs["probs"] = raw.Identity(input=probs, name="probs")
        outputs["logp"] = raw.Identity(input=logp, name="logp")
        outputs["argmax"] = raw.Identity(input=am, name="argmax")
        outputs["features"] = raw.Identity(input=feat, name="features")
        outputs["entropy"] = raw.Identity(input=ent1, name="entropy")
        outputs["logits"] = raw.Identity(input=logits, name="logits")
        outputs["extra"] = raw.Identity(input=extra, name="extra")
        outputs["sparse_xent"] = raw.Identity(input=sparse_loss, name="sparse_xent")
        outputs["xent"] = raw.Identity(input=xent_loss, name="xent")
        outputs["xent_backprop"] = raw.Identity(input=xent_backprop, name="xent_backprop")
        outputs["norm_f64"] = raw.Identity(input=norm64, name="norm_f64")

    # Keep only what the outputs need.
    gd = tf.compat.v1.graph_util.extract_sub_graph(
        g.as_graph_def(), list(outputs.keys()))
    hist = check_and_histogram(gd, "mlp_frozen")

    # Evaluate the serialized graph (not the Python one) to be sure the file
    # on disk is what produced the expected values.
    g2 = tf.Graph()
    with g2.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=g2) as sess:
        names = [k + ":0" for k in outputs]
        vals = sess.run(names, feed_dict={"x:0": x_val})

    write_graph(gd, "mlp_frozen")
    save_npy("mlp_frozen.x.npy", x_val)
    lines = [
        "# Feed and fetches for mlp_frozen.pb.",
        "# 'feed NAME' / 'fetch NAME' lines; the .npy for tensor 'foo:0' is mlp_frozen.foo.npy.",
        "# Fetches are listed in the order their .npy files were written.",
        "# 'temperature:0' is a PlaceholderWithDefault left at its default (1.25).",
        "feed x:0",
    ]
    for (k, v) in zip(outputs, vals):
        save_npy("mlp_frozen.%s.npy" % k, v)
        lines.append("fetch %s:0" % k)
        print("    fetch %-10s %-8s %s" % (k, v.dtype, v.shape))
    with open(out_path("mlp_frozen.fetches.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return hist


# --------------------------------------------------------------------------
# 2. resource variables
# --------------------------------------------------------------------------

def make_variables():
    rng = np.random.RandomState(99)
    w_init = np.round(rng.standard_normal((4, 3)), 3).astype(np.float32)
    b_init = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    scale_init = np.array(2.0, dtype=np.float32)
    inc = np.array([1.0, 10.0, 100.0], dtype=np.float32)
    x_val = np.round(rng.standard_normal((2, 4)), 3).astype(np.float32)

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, shape=[None, 4], name="x")
        w = raw.VarHandleOp(dtype=tf.float32, shape=[4, 3], shared_name="w", name="w")
        b = raw.VarHandleOp(dtype=tf.float32, shape=[3], shared_name="b", name="b")
        sc = raw.VarHandleOp(dtype=tf.float32, shape=[], shared_name="scale", name="scale")

        a_w = raw.AssignVariableOp(resource=w, value=tf.constant(w_init, name="w/initial_value"),
                                   name="w/Assign")
        a_b = raw.AssignVariableOp(resource=b, value=tf.constant(b_init, name="b/initial_value"),
                                   name="b/Assign")
        a_s = raw.AssignVariableOp(resource=sc,
                                   value=tf.constant(scale_init, name="scale/initial_value"),
                                   name="scale/Assign")
        with tf.control_dependencies([a_w, a_b, a_s]):
            raw.NoOp(name="init")

        raw.AssignAddVariableOp(resource=b, value=tf.constant(inc, name="increment/value"),
                                name="increment")

        rw = raw.ReadVariableOp(resource=w, dtype=tf.float32, name="w/read")
        rb = raw.ReadVariableOp(resource=b, dtype=tf.float32, name="b/read")
        rs = raw.ReadVariableOp(resource=sc, dtype=tf.float32, name="scale/read")
        y = raw.Mul(x=raw.AddV2(x=raw.MatMul(a=x, b=rw, name="MatMul"), y=rb, name="add"),
                    y=rs, name="mul")
        raw.Identity(input=y, name="y")

    gd = g.as_graph_def()
    hist = check_and_histogram(gd, "variables")

    g2 = tf.Graph()
    with g2.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=g2) as sess:
        sess.run("init")
        y_before = sess.run("y:0", feed_dict={"x:0": x_val})
        sess.run("increment")
        y_after = sess.run("y:0", feed_dict={"x:0": x_val})

    expect_before = (x_val @ w_init + b_init) * scale_init
    expect_after = (x_val @ w_init + b_init + inc) * scale_init
    assert np.allclose(y_before, expect_before, atol=1e-5), (y_before, expect_before)
    assert np.allclose(y_after, expect_after, atol=1e-5), (y_after, expect_after)

    write_graph(gd, "variables")
    save_npy("variables.x.npy", x_val)
    save_npy("variables.y_before.npy", y_before)
    save_npy("variables.y_after.npy", y_after)
    return hist


# --------------------------------------------------------------------------
# 3. seeded random ops
# --------------------------------------------------------------------------

RANDOM_NODES = [
    # name, op, dtype, shape, seed, seed2
    ("uniform_f32", "RandomUniform", tf.float32, [3, 5], 7, 11),
    ("normal_f32", "RandomStandardNormal", tf.float32, [4, 3], 7, 11),
    ("truncated_f32", "TruncatedNormal", tf.float32, [10], 3, 5),
    ("uniform_f64", "RandomUniform", tf.float64, [3, 5], 7, 11),
    ("normal_f64", "RandomStandardNormal", tf.float64, [4, 3], 7, 11),
]


# A small pure-Python model of TensorFlow's CPU random kernels, used only to
# check (and document) how the saved draws come out of the Philox4x32-10
# stream.  Key = (seed lo32, seed hi32); counter = (n lo32, n hi32,
# seed2 lo32, seed2 hi32) where n counts 128-bit blocks.  Each Session.run of
# an op producing N elements first advances its generator by N * 256 blocks,
# so draw k (0-based) starts at block k * N * 256.

_PHILOX_M0, _PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
_PHILOX_W0, _PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = 0xFFFFFFFF


def _philox_block(seed, seed2, n):
    c = [n & _MASK32, (n >> 32) & _MASK32, seed2 & _MASK32, (seed2 >> 32) & _MASK32]
    k = [seed & _MASK32, (seed >> 32) & _MASK32]
    for rnd in range(10):
        p0 = _PHILOX_M0 * c[0]
        p1 = _PHILOX_M1 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & _MASK32, p1 & _MASK32,
             ((p0 >> 32) ^ c[3] ^ k[1]) & _MASK32, p0 & _MASK32]
        if rnd < 9:
            k = [(k[0] + _PHILOX_W0) & _MASK32, (k[1] + _PHILOX_W1) & _MASK32]
    return c


def _philox_u32(seed, seed2, block):
    while True:
        for v in _philox_block(seed, seed2, block):
            yield v
        block += 1


def _u32_to_unit_f32(x):
    return float(np.array([0x3F800000 | (x & 0x7FFFFF)], np.uint32).view(np.float32)[0] - 1.0)


def _u64_to_unit_f64(x0, x1):
    bits = (0x3FF << 52) | ((x0 & 0xFFFFF) << 32) | x1
    return float(np.array([bits], np.uint64).view(np.float64)[0] - 1.0)


def _box_muller_f32(x0, x1):
    u1 = np.float32(max(_u32_to_unit_f32(x0), 1e-7))
    v1 = np.float32(2.0 * np.pi) * np.float32(_u32_to_unit_f32(x1))
    r = np.sqrt(np.float32(-2.0) * np.log(u1))
    return [np.sin(v1) * r, np.cos(v1) * r]


def _box_muller_f64(x0, x1, x2, x3):
    u1 = max(_u64_to_unit_f64(x0, x1), 1e-7)
    v1 = 2.0 * np.pi * _u64_to_unit_f64(x2, x3)
    r = np.sqrt(-2.0 * np.log(u1))
    return [np.sin(v1) * r, np.cos(v1) * r]


def _reference_draw(op, dtype, count, seed, seed2, draw):
    start = draw * count * 256
    if op == "TruncatedNormal":
        # Groups of 4 outputs; group g starts at block start + 256*g and keeps
        # Box-Muller samples with |z| < 2 until the group is full.
        out = []
        for grp in range((count + 3) // 4):
            gen = _philox_u32(seed, seed2, start + 256 * grp)
            got = []
            while len(got) < 4:
                for z in _box_muller_f32(next(gen), next(gen)):
                    if abs(z) < 2.0 and len(got) < 4:
                        got.append(z)
            out += got
        return np.array(out[:count], np.float32)
    gen = _philox_u32(seed, seed2, start)
    out = []
    while len(out) < count:
        if op == "RandomUniform" and dtype == tf.float32:
            out.append(_u32_to_unit_f32(next(gen)))
        elif op == "RandomUniform":
            out.append(_u64_to_unit_f64(next(gen), next(gen)))
        elif dtype == tf.float32:
            out += _box_muller_f32(next(gen), next(gen))
        else:
            out += _box_muller_f64(next(gen), next(gen), next(gen), next(gen))
    return np.array(out[:count], dtype.as_numpy_dtype)


def check_random_reference(draws):
    """draws: list over RANDOM_NODES of (run1, run2)."""
    for (name, op, dtype, shape, seed, seed2), runs in zip(RANDOM_NODES, draws):
        for k, got in enumerate(runs):
            want = _reference_draw(op, dtype, int(np.prod(shape)), seed, seed2, k)
            got = got.ravel()
            if op == "RandomUniform" or dtype == tf.float64:
                ok = np.array_equal(want, got)
            else:
                # float32 sin/cos/log: numpy and libm may differ by an ulp or so.
                ok = np.allclose(want, got, rtol=0, atol=4e-6)
            print("    reference model %-14s run%d: %s" % (name, k + 1, "match" if ok else "MISMATCH"))
            if not ok:
                raise SystemExit("Philox reference model disagrees with TensorFlow for %s" % name)


def make_random():
    g = tf.Graph()
    with g.as_default():
        for name, op, dtype, shape, seed, seed2 in RANDOM_NODES:
            fn = getattr(raw, op)
            fn(shape=tf.constant(np.asarray(shape, np.int32), name=name + "/shape"),
               dtype=dtype, seed=seed, seed2=seed2, name=name)
    gd = g.as_graph_def()
    hist = check_and_histogram(gd, "random")

    g2 = tf.Graph()
    with g2.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    names = [n[0] + ":0" for n in RANDOM_NODES]
    with tf.compat.v1.Session(graph=g2) as sess:
        run1 = sess.run(names)
        run2 = sess.run(names)
    # Same graph in a fresh session must reproduce run1 (stateful kernels restart).
    with tf.compat.v1.Session(graph=g2) as sess:
        again = sess.run(names)
    for a, b in zip(run1, again):
        assert np.array_equal(a, b), "random ops are not reproducible across sessions"
    check_random_reference(list(zip(run1, run2)))

    write_graph(gd, "random", binary=False)
    for (name, *_), v1, v2 in zip(RANDOM_NODES, run1, run2):
        save_npy("random.%s.run1.npy" % name, v1)
        save_npy("random.%s.run2.npy" % name, v2)
    return hist


# --------------------------------------------------------------------------
# 4. op signatures
# --------------------------------------------------------------------------

def dtype_name(enum_value):
    # DT_FLOAT -> float, DT_RESOURCE -> resource, DT_INT32 -> int32 ...
    return types_pb2.DataType.Name(enum_value)[3:].lower()


def render_float(v):
    # numpy prints the shortest string that round-trips the float32 value.
    return str(np.float32(v))


def render_shape(shp):
    if shp.unknown_rank:
        return "<unknown>"
    return "[" + ",".join(str(d.size) for d in shp.dim) + "]"


def render_string(s):
    if isinstance(s, bytes):
        s = s.decode("utf-8", "backslashreplace")
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_attr_value(av):
    kind = av.WhichOneof("value")
    if kind is None:
        return "-"
    if kind == "b":
        return "true" if av.b else "false"
    if kind == "i":
        return str(av.i)
    if kind == "f":
        return render_float(av.f)
    if kind == "s":
        return render_string(av.s)
    if kind == "type":
        return dtype_name(av.type)
    if kind == "shape":
        return render_shape(av.shape)
    if kind == "list":
        lv = av.list
        items = ([render_string(x) for x in lv.s] + [str(x) for x in lv.i] +
                 [render_float(x) for x in lv.f] +
                 [("true" if x else "false") for x in lv.b] +
                 [dtype_name(x) for x in lv.type] +
                 [render_shape(x) for x in lv.shape])
        if lv.tensor or lv.func:
            raise SystemExit("unsupported list default: %s" % av)
        return "[" + ",".join(items) + "]"
    raise SystemExit("unsupported attr default kind %s: %s" % (kind, av))


def render_arg(arg):
    if arg.type_attr:
        t = arg.type_attr
    elif arg.type_list_attr:
        t = "list:" + arg.type_list_attr
    else:
        t = dtype_name(arg.type)
    if arg.number_attr:
        t = arg.number_attr + "*" + t
    if arg.is_ref:
        t = "ref:" + t
    return "%s %s" % (arg.name, t)


SIGNATURE_HEADER = """\
# TensorFlow registered OpDefs (op_def_registry) for the supported ops.
# Generated by tests/data/tf/generate.py with tensorflow %s.
#
# One block per op:
#   op NAME
#   input NAME TYPE        (one per input, in order)
#   output NAME TYPE       (one per output, in order)
#   attr NAME ATTRTYPE DEFAULT
#   allowed NAME v1,v2,... (optional, right after its attr)
#   min NAME n             (optional, right after its attr / allowed line)
#   end
# TYPE is the name of the type attr (e.g. T), or a fixed dtype short name
#   (float, double, int32, int64, bool, resource, string, ...).  A list
#   argument is prefixed by its length attr and '*', e.g. 'N*T'.  (Not used by
#   these ops: 'list:ATTR' for type-list arguments, 'ref:' for ref arguments.)
# ATTRTYPE is TensorFlow's attr type string verbatim: int, float, bool, string,
#   type, shape, tensor, func, list(int), list(type), ...
# DEFAULT is '-' when the attr has no default; otherwise bools true/false,
#   ints in decimal, floats as shortest float32 repr, strings single-quoted
#   ('' when empty), dtypes as short names, shapes '<unknown>' (unknown rank)
#   or '[d0,d1,...]' with -1 for unknown dims ('[]' = scalar), lists
#   '[a,b,...]' ('[]' when empty).
# 'allowed' values are dtype short names or single-quoted strings.
# Lines starting with '#' and blank lines are comments.
"""


def make_op_signatures():
    lines = [SIGNATURE_HEADER % tf.__version__]
    for name in SUPPORTED_OPS:
        od = op_def_registry.get(name)
        if od is None:
            raise SystemExit("op %s is not registered in this TensorFlow" % name)
        lines.append("op %s" % od.name)
        for a in od.input_arg:
            lines.append("input " + render_arg(a))
        for a in od.output_arg:
            lines.append("output " + render_arg(a))
        for at in od.attr:
            default = render_attr_value(at.default_value) if at.HasField("default_value") else "-"
            lines.append("attr %s %s %s" % (at.name, at.type, default))
            if at.HasField("allowed_values"):
                lv = at.allowed_values.list
                vals = [dtype_name(t) for t in lv.type] + [render_string(s) for s in lv.s]
                if vals:
                    lines.append("allowed %s %s" % (at.name, ",".join(vals)))
            if at.has_minimum:
                lines.append("min %s %d" % (at.name, at.minimum))
        lines.append("end")
        lines.append("")
    with open(out_path("op_signatures.txt"), "w") as f:
        f.write("\n".join(lines))
    print("op_signatures: %d ops" % len(SUPPORTED_OPS))


README = """\
TensorFlow reference fixtures
=============================

Everything here is produced by generate.py (python3 tests/data/tf/generate.py)
with TensorFlow %s.  Do not edit the generated files by hand.

mlp_frozen.pb / .pbtxt
    Frozen inference graph.  Feed mlp_frozen.x.npy to "x:0"; fetch the
    tensors listed in mlp_frozen.fetches.txt and compare with
    mlp_frozen.<name>.npy.  "temperature" is a PlaceholderWithDefault that
    is not fed (default 1.25).

variables.pb / .pbtxt  -- run sequence (one session):
    1. run target "init"          (assigns w, b, scale from Const nodes)
    2. fetch "y:0" feeding variables.x.npy to "x:0"
                                  -> variables.y_before.npy
    3. run target "increment"     (AssignAddVariableOp: b += [1, 10, 100])
    4. fetch "y:0" feeding variables.x.npy to "x:0" again
                                  -> variables.y_after.npy
    y = (x @ w + b) * scale, all read through ReadVariableOp.

random.pbtxt
    Seeded random ops; each evaluated twice in one session.
    random.<node>.run1.npy is the first draw, run2 the second.
    A fresh session reproduces run1.  generate.py contains a small model
    of the Philox4x32-10 stream that reproduces every draw (bit for bit
    except float32 normals, which depend on libm sin/cos/log): key =
    (seed lo32, seed hi32), counter = (block lo32, block hi32, seed2 lo32,
    seed2 hi32); draw k of an N-element op starts at block k*N*256;
    TruncatedNormal restarts every group of 4 outputs 256 blocks apart.

op_signatures.txt
    TensorFlow's OpDef for every supported op; format described in its header.
"""


def main():
    print("tensorflow", tf.__version__, "numpy", np.__version__)
    make_mlp()
    make_variables()
    make_random()
    make_op_signatures()
    with open(out_path("README.txt"), "w") as f:
        f.write(README % tf.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
