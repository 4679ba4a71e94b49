import { DATA_TYPE_CODE } from './onnx-model.js';
import type { AttributeValue, GraphDef, NodeDef, TensorDataType, TensorDef, ValueInfoDef } from './onnx-model.js';
import type { Chunk } from './protobuf-writer.js';
import { float32ToFloat16 } from './float16.js';

/** Default opset: every op used here has had its current signature since opset 13-17. */
export const DEFAULT_OPSET = 17;

export const attr = {
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  tensor: (value: TensorDef): AttributeValue => ({ kind: 'tensor', value }),
  graph: (value: GraphDef): AttributeValue => ({ kind: 'graph', value }),
};

/**
 * Builds an ONNX graph (opset 17 semantics) with named helpers for the ops formwork's decoders use.
 * Values are plain strings (ONNX value names); helpers return the name of their output. Small
 * constants are deduplicated so every `[0, 0, -1]` shape is stored once.
 */
export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly initializers: TensorDef[] = [];
  private readonly inputs: ValueInfoDef[] = [];
  private readonly outputs: ValueInfoDef[] = [];
  private readonly constants = new Map<string, string>();
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'main') {}

  input(name: string, dataType: TensorDataType, shape: readonly (number | string)[]): string {
    this.claim(name);
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  /** Declares `value` as a graph output called `name` (an Identity node renames it when needed). */
  output(value: string, name: string, dataType: TensorDataType, shape: readonly (number | string)[]): string {
    if (value !== name) this.node('Identity', [value], { outputs: [name] });
    this.outputs.push({ name, dataType, shape });
    return name;
  }

  initializer(name: string, dataType: TensorDataType, dims: readonly number[], data: Chunk): string {
    this.claim(name);
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  /** Adds a node; returns its output names (generated unless given). */
  node(
    opType: string,
    inputs: readonly string[],
    options: { attributes?: Record<string, AttributeValue>; outputs?: readonly string[]; outputCount?: number; domain?: string } = {},
  ): string[] {
    const id = this.counter++;
    const outputs = options.outputs ? [...options.outputs] : Array.from({ length: options.outputCount ?? 1 }, (_, i) => `/${opType}_${id}/out${i}`);
    for (const output of outputs) this.claim(output);
    this.nodes.push({
      opType,
      inputs,
      outputs,
      name: `/${opType}_${id}`,
      domain: options.domain,
      attributes: options.attributes,
    });
    return outputs;
  }

  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>): string {
    return this.node(opType, inputs, { attributes })[0];
  }

  // Constants ------------------------------------------------------------------------------------

  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', dims, values, () => new Uint8Array(BigInt64Array.from(values, BigInt).buffer));
  }

  int64Scalar(value: number): string {
    return this.int64s([value], []);
  }

  float32s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('float32', dims, values, () => new Uint8Array(Float32Array.from(values).buffer));
  }

  float16s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('float16', dims, values, () => new Uint8Array(float32ToFloat16(values).buffer));
  }

  /** A scalar of the given float type (float32 or float16), for use next to tensors of that type. */
  floatScalar(value: number, dataType: 'float32' | 'float16'): string {
    return dataType === 'float16' ? this.float16s([value], []) : this.float32s([value], []);
  }

  boolScalar(value: boolean): string {
    return this.constant('bool', [], [value ? 1 : 0], () => new Uint8Array([value ? 1 : 0]));
  }

  private constant(dataType: TensorDataType, dims: readonly number[], values: readonly number[], encode: () => Uint8Array): string {
    const key = `${dataType}[${dims.join(',')}]:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = `/const_${this.constants.size}`;
    this.initializer(name, dataType, dims, encode());
    this.constants.set(key, name);
    return name;
  }

  // Ops ------------------------------------------------------------------------------------------

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(x: string): string {
    return this.op('Neg', [x]);
  }
  pow(x: string, exponent: string): string {
    return this.op('Pow', [x, exponent]);
  }
  sqrt(x: string): string {
    return this.op('Sqrt', [x]);
  }
  sigmoid(x: string): string {
    return this.op('Sigmoid', [x]);
  }
  cos(x: string): string {
    return this.op('Cos', [x]);
  }
  sin(x: string): string {
    return this.op('Sin', [x]);
  }
  matMul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  /** a @ b^T (+ c) on 2-D inputs. */
  gemmTransB(a: string, b: string, c?: string): string {
    return this.op('Gemm', c ? [a, b, c] : [a, b], { transB: attr.int(1) });
  }
  softmax(x: string, axis = -1): string {
    return this.op('Softmax', [x], { axis: attr.int(axis) });
  }
  reduceMean(x: string, axes: readonly number[], keepdims = true): string {
    return this.op('ReduceMean', [x], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
  }
  reduceSum(x: string, axes: readonly number[], keepdims = true): string {
    return this.op('ReduceSum', [x, this.int64s(axes)], { keepdims: attr.int(keepdims ? 1 : 0) });
  }
  reshape(x: string, shape: readonly number[] | string): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.int64s(shape)]);
  }
  transpose(x: string, perm: readonly number[]): string {
    return this.op('Transpose', [x], { perm: attr.ints(perm) });
  }
  concat(xs: readonly string[], axis: number): string {
    return this.op('Concat', xs, { axis: attr.int(axis) });
  }
  split(x: string, sizes: readonly number[], axis: number): string[] {
    return this.node('Split', [x, this.int64s(sizes)], { attributes: { axis: attr.int(axis) }, outputCount: sizes.length });
  }
  gather(data: string, indices: string, axis = 0): string {
    return this.op('Gather', [data, indices], { axis: attr.int(axis) });
  }
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.op('Unsqueeze', [x, this.int64s(axes)]);
  }
  squeeze(x: string, axes: readonly number[]): string {
    return this.op('Squeeze', [x, this.int64s(axes)]);
  }
  cast(x: string, to: TensorDataType): string {
    return this.op('Cast', [x], { to: attr.int(DATA_TYPE_CODE[to]) });
  }
  shape(x: string, start?: number, end?: number): string {
    const attributes: Record<string, AttributeValue> = {};
    if (start !== undefined) attributes.start = attr.int(start);
    if (end !== undefined) attributes.end = attr.int(end);
    return this.op('Shape', [x], attributes);
  }
  slice(x: string, starts: string, ends: string, axes: string): string {
    return this.op('Slice', [x, starts, ends, axes]);
  }
  range(start: string, limit: string, delta: string): string {
    return this.op('Range', [start, limit, delta]);
  }
  where(condition: string, a: string, b: string): string {
    return this.op('Where', [condition, a, b]);
  }
  lessOrEqual(a: string, b: string): string {
    return this.op('LessOrEqual', [a, b]);
  }
  less(a: string, b: string): string {
    return this.op('Less', [a, b]);
  }
  and(a: string, b: string): string {
    return this.op('And', [a, b]);
  }
  tile(x: string, repeats: readonly number[]): string {
    return this.op('Tile', [x, this.int64s(repeats)]);
  }

  build(): GraphDef {
    return {
      name: this.name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
    };
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new RangeError(`ONNX value name "${name}" is used twice`);
    this.names.add(name);
  }
}
