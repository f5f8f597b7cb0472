#!/usr/bin/env python3
"""Write the int8 variant of the exported model (dosm_rag.model_variant = 'int8').

ONNX Runtime's dynamic quantisation of the weight MatMuls: weights int8 per output channel with
reduced range (7 bits, exact on AVX2 without VNNI, where full-range u8 x s8 products saturate),
activations quantised at run time. The activation x activation MatMuls of attention stay fp32,
and so do the weights that lose the most when quantised, found by quantising one MatMul at a time
and measuring the cosine to sentence-transformers' reference vectors
(tests/fixtures/minilm_reference.json): the feed-forward output projections (their inputs, after
GELU, have the widest range), the feed-forward input of the middle layers and the attention
value projections. The fidelity test (core/tests/fidelity.rs) holds it to cosine >= 0.99 for
every reference case.

    quantize_int8.py MODEL_ONNX OUT_ONNX
"""

import re
import sys

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

# weight names (initializer "<name>.weight_t") whose MatMul stays fp32
KEEP_FP32 = re.compile(r"encoder\.layer\.\d\.(output\.dense|attention\.self\.value)|encoder\.layer\.[34]\.intermediate")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1:]
    model = onnx.load(src, load_external_data=False)
    weights = {i.name for i in model.graph.initializer}
    keep, quantised = [], 0
    for node in model.graph.node:
        if node.op_type != "MatMul":
            continue
        if node.input[1] not in weights or KEEP_FP32.match(node.input[1]):
            keep.append(node.name)
        else:
            quantised += 1
    quantize_dynamic(src, out, op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=True,
                     weight_type=QuantType.QInt8, nodes_to_exclude=keep)
    print(f"    int8: {quantised} weight MatMuls quantised, {len(keep)} MatMuls kept in fp32")


if __name__ == "__main__":
    main()
