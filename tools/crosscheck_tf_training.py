#!/usr/bin/env python3
"""Runs one training step of a saved tensorgraph training graph in both
tensorgraph (`tg run`) and TensorFlow, from the same checkpoint and batch,
and compares the loss and every variable afterwards (weights, optimizer
slots, global step).

    python3 tools/crosscheck_tf_training.py build/demo/mnist/model.pb \
        build/demo/mnist/model.safetensors [--tg build/tg]

Needs tensorflow, safetensors and numpy (pip); not part of the test suite.
The graph must take "images" [batch, features] float32 and "labels"
[batch] int32 and have nodes "loss" and "train", as train_mnist's does.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf
from safetensors.numpy import load_file


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("checkpoint")
    p.add_argument("--tg", default=os.path.join(os.path.dirname(__file__), "..", "build", "tg"))
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args()

    graph_def = tf.compat.v1.GraphDef()
    with open(args.model, "rb") as f:
        graph_def.ParseFromString(f.read())
    before = load_file(args.checkpoint)
    features = next(n for n in graph_def.node if n.name == "images").attr["shape"].shape.dim[1].size
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (args.batch, features)).astype(np.float32)
    y = rng.integers(0, 10, args.batch).astype(np.int32)

    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "x.npy"), x)
        np.save(os.path.join(tmp, "y.npy"), y)
        after_path = os.path.join(tmp, "after.safetensors")
        subprocess.run([args.tg, "run", args.model, "--checkpoint", args.checkpoint,
                        "--feed", "images=" + os.path.join(tmp, "x.npy"),
                        "--feed", "labels=" + os.path.join(tmp, "y.npy"),
                        "--fetch", "loss=" + os.path.join(tmp, "loss.npy"),
                        "--target", "train", "--save-checkpoint", after_path], check=True)
        ours_loss = float(np.load(os.path.join(tmp, "loss.npy")))
        ours = load_file(after_path)

    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_def, name="")
        assigns, feeds = [], {}
        for name, value in before.items():
            handle = g.get_tensor_by_name(name + ":0")
            ph = tf.compat.v1.placeholder(tf.as_dtype(value.dtype), value.shape)
            assigns.append(tf.raw_ops.AssignVariableOp(resource=handle, value=ph))
            feeds[ph] = value
        reads = {name: tf.raw_ops.ReadVariableOp(resource=g.get_tensor_by_name(name + ":0"),
                                                 dtype=tf.as_dtype(value.dtype))
                 for name, value in before.items()}
        with tf.compat.v1.Session(graph=g) as sess:
            sess.run(assigns, feeds)
            tf_loss, _ = sess.run([g.get_tensor_by_name("loss:0"),
                                   g.get_operation_by_name("train")],
                                  {"images:0": x, "labels:0": y})
            theirs = sess.run(reads)

    print("tensorflow %s: %d nodes, %d variables" % (tf.__version__, len(graph_def.node),
                                                      len(before)))
    print("loss: tensorgraph %.8f, tensorflow %.8f" % (ours_loss, tf_loss))
    worst = 0.0
    for name in sorted(before):
        a, b = ours[name].astype(np.float64), theirs[name].astype(np.float64)
        change = np.abs(b - before[name].astype(np.float64)).max() if a.size else 0.0
        diff = np.abs(a - b).max() if a.size else 0.0
        rel = diff / max(change, 1e-30)
        worst = max(worst, rel if change > 0 else diff)
        print("  %-28s max |ours - tf| %.3g (update size %.3g)" % (name, diff, change))
    ok = abs(ours_loss - tf_loss) <= 1e-5 * abs(tf_loss) and worst < 1e-3
    print("agree" if ok else "DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
