"""Gradient fixtures for tests/graph/gradient_crosscheck_test.cc.

TensorFlow computes, in float64 with tf.GradientTape, the gradients of three
small functions, and this script saves their inputs and gradients as .npy
files beside it:

  mlp_*      a two-layer perceptron's mean sparse softmax cross-entropy;
             gradients with respect to w1, b1, w2, b2 and x.
  sce_*      SoftmaxCrossEntropyWithLogits with a [1,6] labels row broadcast
             against [4,6] features, weighted by [1,2,3,4] and summed;
             gradients with respect to features and labels (labels' summed
             over the broadcast axis; see softmax_xent_broadcast).
  comp_*     sum(tanh(a*b) * (a+b) + sigmoid(a-b) / (1+exp(b))) with a [3,1]
             and b [4], so broadcasting and fan-out both reach the gradient;
             gradients with respect to a and b.

Inputs come from fixed numpy seeds, so rerunning gives the same files:

    python3 tests/data/grad/generate.py
"""
import os

# oneDNN's kernels may reorder float sums; the plain Eigen ones keep the
# fixtures the same from machine to machine.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))


def save(name, value):
    value = np.asarray(value)
    np.save(os.path.join(OUT, name + ".npy"), value)


def mlp():
    rng = np.random.default_rng(20240601)
    x = rng.standard_normal((8, 20))
    labels = rng.integers(0, 5, size=8, dtype=np.int64)
    w1 = rng.standard_normal((20, 16)) * 0.3
    b1 = rng.standard_normal(16) * 0.3
    w2 = rng.standard_normal((16, 5)) * 0.3
    b2 = rng.standard_normal(5) * 0.3
    tx, tw1, tb1, tw2, tb2 = (tf.constant(v, tf.float64) for v in (x, w1, b1, w2, b2))
    with tf.GradientTape() as tape:
        tape.watch([tx, tw1, tb1, tw2, tb2])
        logits = tf.nn.relu(tx @ tw1 + tb1) @ tw2 + tb2
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    grads = tape.gradient(loss, [tw1, tb1, tw2, tb2, tx])
    for name, v in [("x", x), ("labels", labels), ("w1", w1), ("b1", b1), ("w2", w2),
                    ("b2", b2), ("loss", loss.numpy())]:
        save("mlp_" + name, v)
    for name, g in zip(["w1", "b1", "w2", "b2", "x"], grads):
        save("mlp_grad_" + name, g.numpy())


def softmax_xent_broadcast():
    rng = np.random.default_rng(20240602)
    features = rng.standard_normal((4, 6))
    row = rng.random((1, 6)) + 0.1
    labels = row / row.sum()
    tf_features = tf.constant(features, tf.float64)
    tf_labels = tf.constant(labels, tf.float64)
    weights = tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([tf_features, tf_labels])
        # The raw op broadcasts labels against features; tf.nn's wrapper
        # would not.
        per_row, _ = tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=tf_features,
                                                              labels=tf_labels)
        loss = tf.reduce_sum(per_row * weights)
    grad_features, grad_labels = tape.gradient(loss, [tf_features, tf_labels])
    save("sce_features", features)
    save("sce_labels", labels)
    save("sce_loss", loss.numpy())
    save("sce_grad_features", grad_features.numpy())
    # TensorFlow's registered gradient for this op does not undo the
    # broadcast of labels: the tape hands back a [4,6] tensor for a [1,6]
    # input. Its sum over the broadcast axis is d(loss)/d(labels) proper,
    # which is what a gradient of the [1,6] input has to be; both are kept.
    grad_labels = grad_labels.numpy()
    save("sce_grad_labels_unreduced", grad_labels)
    save("sce_grad_labels", grad_labels.sum(axis=0, keepdims=True))


def composite():
    rng = np.random.default_rng(20240603)
    a = rng.standard_normal((3, 1))
    b = rng.standard_normal(4)
    ta = tf.constant(a, tf.float64)
    tb = tf.constant(b, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        y = tf.reduce_sum(tf.tanh(ta * tb) * (ta + tb) + tf.sigmoid(ta - tb) / (1 + tf.exp(tb)))
    grad_a, grad_b = tape.gradient(y, [ta, tb])
    save("comp_a", a)
    save("comp_b", b)
    save("comp_y", y.numpy())
    save("comp_grad_a", grad_a.numpy())
    save("comp_grad_b", grad_b.numpy())


if __name__ == "__main__":
    mlp()
    softmax_xent_broadcast()
    composite()
