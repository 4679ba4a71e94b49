import { closeSync, openSync } from 'node:fs';
import { basename } from 'node:path';
import { ProtoMessage, writeChunk, yieldTurn } from './protobuf-writer.js';
import type { Chunk } from './protobuf-writer.js';

/**
 * The subset of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
 * AttributeProto) that formwork writes, as plain data, with a hand-written wire-format encoder. Field
 * numbers follow onnx/onnx.proto (IR version 8).
 */

export type TensorDataType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** TensorProto.DataType numbers. */
export const DATA_TYPE_CODE: Readonly<Record<TensorDataType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

export const DATA_TYPE_BYTES: Readonly<Record<TensorDataType, number>> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
  bfloat16: 2,
};

export interface TensorDef {
  readonly name: string;
  readonly dataType: TensorDataType;
  readonly dims: readonly number[];
  /** Little-endian raw bytes (TensorProto.raw_data), possibly produced lazily at write time. */
  readonly data: Chunk;
}

export type AttributeValue =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: TensorDef }
  | { readonly kind: 'graph'; readonly value: GraphDef }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] };

export interface NodeDef {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or output; a string dimension is symbolic (dim_param). */
export interface ValueInfoDef {
  readonly name: string;
  readonly dataType: TensorDataType;
  readonly shape: readonly (number | string)[];
}

export interface GraphDef {
  readonly name: string;
  readonly nodes: readonly NodeDef[];
  readonly initializers: readonly TensorDef[];
  readonly inputs: readonly ValueInfoDef[];
  readonly outputs: readonly ValueInfoDef[];
}

export interface OpsetDef {
  readonly domain: string;
  readonly version: number;
}

export interface ModelDef {
  readonly graph: GraphDef;
  readonly opsets: readonly OpsetDef[];
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Where a tensor's bytes go when the model is written with external data. */
interface ExternalPlacement {
  readonly location: string;
  readonly offset: number;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

export function encodeModel(model: ModelDef, external?: ReadonlyMap<TensorDef, ExternalPlacement>): ProtoMessage {
  const m = new ProtoMessage();
  m.varint(1, model.irVersion ?? 8);
  if (model.producerName) m.string(2, model.producerName);
  if (model.producerVersion) m.string(3, model.producerVersion);
  m.message(7, encodeGraph(model.graph, external));
  for (const opset of model.opsets) {
    m.message(8, new ProtoMessage().string(1, opset.domain).varint(2, opset.version));
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    m.message(14, new ProtoMessage().string(1, key).string(2, value));
  }
  return m;
}

function encodeGraph(graph: GraphDef, external?: ReadonlyMap<TensorDef, ExternalPlacement>): ProtoMessage {
  const g = new ProtoMessage();
  for (const node of graph.nodes) g.message(1, encodeNode(node));
  g.string(2, graph.name);
  for (const tensor of graph.initializers) g.message(5, encodeTensor(tensor, external?.get(tensor)));
  for (const input of graph.inputs) g.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) g.message(12, encodeValueInfo(output));
  return g;
}

function encodeNode(node: NodeDef): ProtoMessage {
  const n = new ProtoMessage();
  for (const input of node.inputs) n.string(1, input);
  for (const output of node.outputs) n.string(2, output);
  if (node.name) n.string(3, node.name);
  n.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, encodeAttribute(name, value));
  if (node.domain) n.string(7, node.domain);
  return n;
}

function encodeAttribute(name: string, attribute: AttributeValue): ProtoMessage {
  const a = new ProtoMessage().string(1, name).varint(20, ATTRIBUTE_TYPE[attribute.kind]);
  switch (attribute.kind) {
    case 'float':
      return a.float(2, attribute.value);
    case 'int':
      return a.varint(3, attribute.value);
    case 'string':
      return a.string(4, attribute.value);
    case 'tensor':
      return a.message(5, encodeTensor(attribute.value));
    case 'graph':
      return a.message(6, encodeGraph(attribute.value));
    case 'floats':
      for (const value of attribute.value) a.float(7, value);
      return a;
    case 'ints':
      for (const value of attribute.value) a.varint(8, value);
      return a;
  }
}

function encodeTensor(tensor: TensorDef, external?: ExternalPlacement): ProtoMessage {
  const expected = tensor.dims.reduce((n, d) => n * d, 1) * DATA_TYPE_BYTES[tensor.dataType];
  if (tensor.data.byteLength !== expected) {
    throw new RangeError(
      `tensor "${tensor.name}" has ${tensor.data.byteLength} bytes, but ${tensor.dataType}[${tensor.dims.join(', ')}] needs ${expected}`,
    );
  }
  const t = new ProtoMessage();
  for (const dim of tensor.dims) t.varint(1, dim);
  t.varint(2, DATA_TYPE_CODE[tensor.dataType]);
  t.string(8, tensor.name);
  if (external) {
    const entry = (key: string, value: string) => new ProtoMessage().string(1, key).string(2, value);
    t.message(13, entry('location', external.location));
    t.message(13, entry('offset', String(external.offset)));
    t.message(13, entry('length', String(tensor.data.byteLength)));
    t.varint(14, 1);
  } else {
    t.bytes(9, tensor.data);
  }
  return t;
}

function encodeValueInfo(info: ValueInfoDef): ProtoMessage {
  const shape = new ProtoMessage();
  for (const dim of info.shape) {
    shape.message(1, typeof dim === 'number' ? new ProtoMessage().varint(1, dim) : new ProtoMessage().string(2, dim));
  }
  const tensorType = new ProtoMessage().varint(1, DATA_TYPE_CODE[info.dataType]).message(2, shape);
  return new ProtoMessage().string(1, info.name).message(2, new ProtoMessage().message(1, tensorType));
}

export interface WriteModelOptions {
  readonly signal?: AbortSignal;
  /**
   * Float initializers of at least this many bytes go to `<model file>_data` when the model as a whole would
   * pass protobuf's 2 GiB message limit (or always, when `forceExternalData`). Default 1 KiB.
   */
  readonly externalThreshold?: number;
  readonly forceExternalData?: boolean;
}

const FLOAT_TYPES = new Set<TensorDataType>(['float32', 'float16', 'bfloat16', 'float64']);

/** protobuf refuses messages of 2 GiB or more; stay clear of it with room for the graph structure. */
const INLINE_LIMIT = 2 ** 31 - 2 ** 24;

/**
 * Writes `model` to `path`. Models under 2 GiB are one self-contained file; larger ones keep their big
 * initializers in `<basename>_data` next to it (ONNX external data, which onnxruntime resolves relative
 * to the model file). Returns the files written.
 */
export async function writeModel(path: string, model: ModelDef, options: WriteModelOptions = {}): Promise<string[]> {
  const inlineBytes = model.graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
  if (!options.forceExternalData && inlineBytes < INLINE_LIMIT) {
    await encodeModel(model).writeFile(path, options.signal);
    return [path];
  }
  const threshold = options.externalThreshold ?? 1024;
  const location = `${basename(path)}_data`;
  const dataPath = `${path}_data`;
  const placements = new Map<TensorDef, ExternalPlacement>();
  let offset = 0;
  for (const tensor of model.graph.initializers) {
    // Integer constants stay inline: shape inference must read them (Split sizes, Reshape shapes),
    // and onnxruntime does not read external data for that.
    if (tensor.data.byteLength < threshold || !FLOAT_TYPES.has(tensor.dataType)) continue;
    placements.set(tensor, { location, offset });
    // onnxruntime maps external data with page-aligned offsets when it can: keep 4 KiB alignment.
    offset += Math.ceil(tensor.data.byteLength / 4096) * 4096;
  }
  const fd = openSync(dataPath, 'w');
  try {
    let position = 0;
    for (const [tensor, placement] of placements) {
      if (placement.offset > position) writeChunk(fd, new Uint8Array(placement.offset - position));
      writeChunk(fd, tensor.data);
      if (!(tensor.data instanceof Uint8Array)) await yieldTurn(options.signal);
      position = placement.offset + tensor.data.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  await encodeModel(model, placements).writeFile(path, options.signal);
  return [path, dataPath];
}
