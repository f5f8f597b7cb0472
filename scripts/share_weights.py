#!/usr/bin/env python3
"""Lay out the exported model so that every backend shares its weight pages.

ONNX Runtime memory-maps initializers stored in an external data file (read-only, copy-on-write
but never written, so the pages stay shared between backends). What made each backend's copy
private was prepacking: at session creation ORT copies every MatMul weight into a packed buffer
on the heap (~42 MB). Here ORT itself optimises the exported model and writes both the weights
and their packed copies into model.onnx.data (session.save_external_prepacked_constant_initializers),
so a backend maps them too. Measured with ORT 1.31.1, 3 backends, 1 thread: private memory after
load and one query +5 MB instead of +106..118 MB (the bench, with a second backend holding the model:
+18 MB, of which the tokenizer, ORT's arena and libraries), the same latency, bit-identical outputs.

The packed layout is ORT's and may depend on the CPU: run this on the machine that serves (setup.sh
does). The int8 model, when given, gets the same layout (model_int8.onnx + model_int8.onnx.data;
measured: private memory +18 MB per backend instead of +96 MB, identical output). It also writes CANARY.json: a text and the embeddings the plain exported models (fp32, and
int8 when given) produce for it; dosm_rag checks them at every model load and refuses a model whose
output differs (for example after copying the assets to another CPU family).

    share_weights.py EXPORTED_MODEL TOKENIZER_JSON OUT_DIR [INT8_MODEL]
"""

import json
import os
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

CANARY_TEXT = "What was the consumer price index for food in Selangor in March 2023?"


def embed(model, ids):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    mask = np.ones_like(ids)
    h = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    v = h[0].mean(axis=0)
    return v / np.linalg.norm(v)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    exported, tokenizer, out = sys.argv[1:4]
    int8 = sys.argv[4] if len(sys.argv) == 5 else None
    os.makedirs(out, exist_ok=True)
    tok = Tokenizer.from_file(tokenizer)
    tok.no_padding()
    tok.enable_truncation(256)
    ids = np.array([tok.encode(CANARY_TEXT).ids], np.int64)
    canary = {"text": CANARY_TEXT}
    for variant, source, name in (("fp32", exported, "model.onnx"), ("int8", int8, "model_int8.onnx")):
        if not source:
            continue
        lay_out(source, out, name)
        reference = embed(source, ids)
        shared = embed(os.path.join(out, name), ids)
        diff = float(np.abs(reference - shared).max())
        if diff > 1e-5:
            sys.exit(f"shared-weights {name} differs from {source} (max abs diff {diff})")
        canary[variant] = [round(float(x), 7) for x in reference]
        size = os.path.getsize(os.path.join(out, name + ".data")) / 1e6
        print(f"    shared-weights layout: {name} + {name}.data ({size:.1f} MB), max diff {diff:.1e}")
    with open(os.path.join(out, "CANARY.json"), "w") as f:
        json.dump(canary, f)


def lay_out(source, out, name):
    """Have ORT optimise `source` and write it as out/name, its weights and packed copies in name.data."""
    for f in (name, name + ".data"):
        if os.path.exists(os.path.join(out, f)):
            os.remove(os.path.join(out, f))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    so.optimized_model_filepath = os.path.join(out, name)
    so.add_session_config_entry("session.optimized_model_external_initializers_file_name", name + ".data")
    so.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    so.add_session_config_entry("session.save_external_prepacked_constant_initializers", "1")
    ort.InferenceSession(source, so, providers=["CPUExecutionProvider"])
    os.chmod(os.path.join(out, name + ".data"), 0o644)


if __name__ == "__main__":
    main()
