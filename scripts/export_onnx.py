#!/usr/bin/env python3
"""Export all-MiniLM-L6-v2 (a 6-layer BERT encoder) from model.safetensors to ONNX, without torch.

The graph is written node by node with onnx.helper. It mirrors Hugging Face's BertModel forward pass
(absolute position embeddings, post-LayerNorm, exact erf GELU) and outputs the last hidden state;
mean pooling and L2 normalisation are done by the extension, exactly as sentence-transformers does.

Inputs  : input_ids, attention_mask, token_type_ids   int64 [batch, sequence]
Output  : last_hidden_state                            float32 [batch, sequence, 384]

Writes into --out: model.onnx, tokenizer.json (unchanged copy), MODEL_VERSION, SHA256SUMS.
Torch is deliberately avoided: it is several GB and the export only needs the weights.
"""

import argparse
import hashlib
import json
import math
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

MODEL_NAME = "all-MiniLM-L6-v2"
ORT_LIB = "libonnxruntime.so.1.31.1"
# A plain, widely supported opset/IR pair: opset 17 has LayerNormalization, IR 8 loads in
# every ONNX Runtime from 1.14 on.
OPSET = 17
IR_VERSION = 8


class Graph:
    def __init__(self):
        self.nodes = []
        self.inits = []
        self.n = 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f"{op_type.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self.n}", **attrs))
        return out

    def linear(self, x, w, prefix):
        # PyTorch Linear keeps weight as [out, in]; ONNX MatMul wants [in, out].
        wt = self.const(f"{prefix}.weight_t", np.ascontiguousarray(w[f"{prefix}.weight"].T))
        b = self.const(f"{prefix}.bias", w[f"{prefix}.bias"])
        return self.op("Add", [self.op("MatMul", [x, wt]), b])

    def layer_norm(self, x, w, prefix, eps):
        g = self.const(f"{prefix}.weight", w[f"{prefix}.weight"])
        b = self.const(f"{prefix}.bias", w[f"{prefix}.bias"])
        return self.op("LayerNormalization", [x, g, b], axis=-1, epsilon=eps)


def build(weights, cfg):
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = float(cfg["layer_norm_eps"])
    assert cfg["hidden_act"] == "gelu" and cfg.get("position_embedding_type", "absolute") == "absolute"

    g = Graph()
    word = g.const("embeddings.word_embeddings.weight", weights["embeddings.word_embeddings.weight"])
    pos = g.const("embeddings.position_embeddings.weight", weights["embeddings.position_embeddings.weight"])
    tok = g.const("embeddings.token_type_embeddings.weight", weights["embeddings.token_type_embeddings.weight"])

    # Embeddings: word + position(0..seq) + token type, then LayerNorm.
    seq_len = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const("one_i64", np.array(1, np.int64))], axis=0)
    position_ids = g.op("Range", [g.const("zero_i64", np.array(0, np.int64)), seq_len, "one_i64"])
    x = g.op(
        "Add",
        [
            g.op("Add", [g.op("Gather", [word, "input_ids"], axis=0), g.op("Gather", [pos, position_ids], axis=0)]),
            g.op("Gather", [tok, "token_type_ids"], axis=0),
        ],
    )
    x = g.layer_norm(x, weights, "embeddings.LayerNorm", eps)

    # Additive attention bias [batch, 1, 1, seq]: 0 where attended, -10000 where padded
    # (the value BERT uses; exp(-10000) is exactly 0 in float32).
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = g.op(
        "Mul",
        [g.op("Sub", [g.const("one_f", np.array(1.0, np.float32)), mask]), g.const("neg_f", np.array(-10000.0, np.float32))],
    )
    bias = g.op("Unsqueeze", [bias, g.const("axes_12", np.array([1, 2], np.int64))])

    split_heads = g.const("shape_heads", np.array([0, 0, heads, head_dim], np.int64))
    merge_heads = g.const("shape_hidden", np.array([0, 0, hidden], np.int64))
    scale = g.const("scale", np.array(1.0 / math.sqrt(head_dim), np.float32))
    sqrt2 = g.const("sqrt2", np.array(math.sqrt(2.0), np.float32))
    half = g.const("half", np.array(0.5, np.float32))

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        q = g.op("Transpose", [g.op("Reshape", [g.linear(x, weights, f"{p}.attention.self.query"), split_heads])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [g.linear(x, weights, f"{p}.attention.self.key"), split_heads])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [g.linear(x, weights, f"{p}.attention.self.value"), split_heads])], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        probs = g.op("Softmax", [scores], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_heads])
        attn = g.linear(ctx, weights, f"{p}.attention.output.dense")
        x = g.layer_norm(g.op("Add", [attn, x]), weights, f"{p}.attention.output.LayerNorm", eps)

        h = g.linear(x, weights, f"{p}.intermediate.dense")
        gelu = g.op("Mul", [g.op("Mul", [h, half]), g.op("Add", [g.op("Erf", [g.op("Div", [h, sqrt2])]), "one_f"])])
        out = g.linear(gelu, weights, f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", [out, x]), weights, f"{p}.output.LayerNorm", eps)

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    dims = ["batch", "sequence"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [hidden])]
    graph = helper.make_graph(g.nodes, MODEL_NAME, inputs, outputs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="dosm_rag export_onnx.py")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True, help="directory with model.safetensors, config.json, tokenizer.json")
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args()

    with open(os.path.join(args.src, "config.json")) as f:
        cfg = json.load(f)
    weights = load_file(os.path.join(args.src, "model.safetensors"))
    model = build(weights, cfg)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    tmp = onnx_path + ".tmp"
    onnx.save_model(model, tmp)
    os.replace(tmp, onnx_path)
    shutil.copyfile(os.path.join(args.src, "tokenizer.json"), os.path.join(args.out, "tokenizer.json"))

    version = f"{MODEL_NAME}@{sha256(onnx_path)[:12]}"
    with open(os.path.join(args.out, "MODEL_VERSION"), "w") as f:
        f.write(version + "\n")
    files = ["model.onnx", "tokenizer.json", ORT_LIB, "MODEL_VERSION"]
    with open(os.path.join(args.out, "SHA256SUMS"), "w") as f:
        for name in files:
            f.write(f"{sha256(os.path.join(args.out, name))}  {name}\n")
    print(f"    exported {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB), version {version}")


if __name__ == "__main__":
    main()
