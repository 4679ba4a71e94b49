"""The safetensors format, written and read by hand (the `safetensors` package is not installed).

Layout: 8-byte little-endian header length N, N bytes of JSON header (padded with spaces so the data
starts 8-byte aligned), then the raw little-endian tensor bytes. The header maps each name to
{dtype, shape, data_offsets: [begin, end)} relative to the data start, plus optional __metadata__.
Tensors are written in the order given (HF checkpoints, and stories260K here, keep module order).
"""

import json
import struct

import numpy as np
import torch

_DTYPES = {torch.float32: ("F32", np.float32), torch.float16: ("F16", np.float16), torch.int64: ("I64", np.int64)}
_NUMPY = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "BF16": None}


def save_file(tensors: dict, path: str, metadata: dict | None = None) -> None:
    header = {}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous().cpu()
        dtype_name, np_dtype = _DTYPES[tensor.dtype]
        data = tensor.numpy().astype(np_dtype, copy=False).astype(np.dtype(np_dtype).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_file(path: str) -> dict:
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(raw[base + begin : base + end], dtype=np.dtype(_NUMPY[info["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(array.astype(_NUMPY[info["dtype"]]).reshape(info["shape"]).copy())
    return out
