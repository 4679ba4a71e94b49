/**
 * Deep-partial values of JSON text that is still being generated, for streaming: fed the text as it
 * grows, it keeps the parse state (no re-parsing from the start) and yields, whenever the visible value
 * changed, a value that is a PREFIX of the final one:
 * - an object holds the properties whose key is complete and whose value has started;
 * - an array holds its elements so far (the last one possibly partial);
 * - a string value shows the characters so far (an escape sequence only once complete);
 * - numbers, true, false and null appear only once complete (`12` may still become `123`).
 * Keys being written never show. Text that is not a JSON prefix stops the updates (`failed`).
 */

type Container = Record<string, unknown> | unknown[];

interface ObjectFrame {
  readonly kind: 'object';
  readonly value: Record<string, unknown>;
  /** key: expecting a key or `}`; colon; value: expecting a value; comma: expecting `,` or `}`. */
  phase: 'key' | 'colon' | 'value' | 'comma';
  key: string | undefined;
}

interface ArrayFrame {
  readonly kind: 'array';
  readonly value: unknown[];
  /** value: expecting a value (or `]` right after `[`); comma: expecting `,` or `]`. */
  phase: 'value' | 'comma';
  empty: boolean;
}

type Frame = ObjectFrame | ArrayFrame;

interface StringScalar {
  readonly kind: 'string';
  readonly isKey: boolean;
  text: string;
  /** -1: not in an escape; 0: after `\`; 1..4: hex digits of `\u` read so far (in `hex`). */
  escape: number;
  hex: string;
}

interface BareScalar {
  readonly kind: 'number' | 'literal';
  text: string;
}

type Scalar = StringScalar | BareScalar;

const LITERALS: Readonly<Record<string, unknown>> = { true: true, false: false, null: null };
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER_CHARS = /[0-9eE+\-.]/;

export class PartialJsonParser {
  private readonly stack: Frame[] = [];
  private scalar: Scalar | undefined;
  private root: unknown;
  private rootState: 'none' | 'open' | 'done' = 'none';
  private changed = false;
  private version = 0;
  private snapshotVersion = -1;
  private snapshotValue: unknown;
  /** Set when the text stopped being a JSON prefix; later input is ignored. */
  failed = false;

  /** Appends text; returns true when the visible partial value changed. */
  feed(text: string): boolean {
    this.changed = false;
    for (let i = 0; i < text.length && !this.failed; i++) this.char(text[i]);
    if (this.changed) this.version++;
    return this.changed;
  }

  /** Ends the input: a top-level number has no delimiter after it. Returns true when the value changed. */
  finish(): boolean {
    this.changed = false;
    if (!this.failed && this.scalar !== undefined && this.scalar.kind !== 'string') this.endBare();
    if (this.changed) this.version++;
    return this.changed;
  }

  /** True once the whole top-level value is complete. */
  get complete(): boolean {
    return this.rootState === 'done';
  }

  /**
   * The current partial value (undefined while nothing is visible). A fresh object graph whenever the
   * value changed; parts that are complete are shared between snapshots, so do not mutate them.
   */
  get value(): unknown {
    if (this.snapshotVersion !== this.version) {
      this.snapshotValue = this.snapshot();
      this.snapshotVersion = this.version;
    }
    return this.snapshotValue;
  }

  private char(c: string): void {
    const scalar = this.scalar;
    if (scalar !== undefined) {
      if (scalar.kind === 'string') return this.stringChar(scalar, c);
      if (scalar.kind === 'number' ? NUMBER_CHARS.test(c) : c >= 'a' && c <= 'z') {
        scalar.text += c;
        if (scalar.kind === 'literal' && !Object.keys(LITERALS).some((word) => word.startsWith(scalar.text))) this.failed = true;
        return;
      }
      this.endBare();
      if (this.failed) return;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') return;
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) {
      if (this.rootState !== 'none') return this.fail();
      return this.startValue(c);
    }
    if (frame.kind === 'object') {
      switch (frame.phase) {
        case 'key':
          if (c === '"') {
            this.scalar = { kind: 'string', isKey: true, text: '', escape: -1, hex: '' };
            return;
          }
          if (c === '}' && frame.key === undefined && Object.keys(frame.value).length === 0) return this.close();
          return this.fail();
        case 'colon':
          if (c !== ':') return this.fail();
          frame.phase = 'value';
          return;
        case 'value':
          return this.startValue(c);
        case 'comma':
          if (c === ',') {
            frame.phase = 'key';
            frame.key = undefined;
            return;
          }
          if (c === '}') return this.close();
          return this.fail();
      }
    }
    if (frame.phase === 'value') {
      if (c === ']' && frame.empty) return this.close();
      return this.startValue(c);
    }
    if (c === ',') {
      frame.phase = 'value';
      return;
    }
    if (c === ']') return this.close();
    this.fail();
  }

  private stringChar(s: StringScalar, c: string): void {
    if (s.escape === 0) {
      if (c === 'u') {
        s.escape = 1;
        s.hex = '';
        return;
      }
      const decoded = ESCAPES[c];
      if (decoded === undefined) return this.fail();
      s.escape = -1;
      return this.appendString(s, decoded);
    }
    if (s.escape > 0) {
      if (!/[0-9a-fA-F]/.test(c)) return this.fail();
      s.hex += c;
      if (s.hex.length < 4) return;
      s.escape = -1;
      return this.appendString(s, String.fromCharCode(parseInt(s.hex, 16)));
    }
    if (c === '\\') {
      s.escape = 0;
      return;
    }
    if (c === '"') {
      this.scalar = undefined;
      if (s.isKey) {
        const frame = this.stack[this.stack.length - 1] as ObjectFrame;
        frame.key = s.text;
        frame.phase = 'colon';
        return;
      }
      // The string was visible while it grew: closing it changes nothing a caller sees.
      return this.completeValue(s.text, false);
    }
    if (c < ' ') return this.fail();
    this.appendString(s, c);
  }

  private appendString(s: StringScalar, text: string): void {
    s.text += text;
    if (!s.isKey) this.changed = true;
  }

  private startValue(c: string): void {
    if (c === '{' || c === '[') {
      const frame: Frame =
        c === '{' ? { kind: 'object', value: {}, phase: 'key', key: undefined } : { kind: 'array', value: [], phase: 'value', empty: true };
      this.markStarted();
      this.stack.push(frame);
      this.changed = true;
      return;
    }
    if (c === '"') {
      this.markStarted();
      this.scalar = { kind: 'string', isKey: false, text: '', escape: -1, hex: '' };
      this.changed = true;
      return;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      this.markStarted();
      this.scalar = { kind: 'number', text: c };
      return;
    }
    if (c === 't' || c === 'f' || c === 'n') {
      this.markStarted();
      this.scalar = { kind: 'literal', text: c };
      return;
    }
    this.fail();
  }

  /** The value now being written belongs to the innermost frame (or is the root). */
  private markStarted(): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) this.rootState = 'open';
    else if (frame.kind === 'array') frame.empty = false;
  }

  private endBare(): void {
    const scalar = this.scalar as BareScalar;
    this.scalar = undefined;
    let value: unknown;
    if (scalar.kind === 'literal') {
      if (!(scalar.text in LITERALS)) return this.fail();
      value = LITERALS[scalar.text];
    } else {
      if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(scalar.text)) return this.fail();
      value = Number(scalar.text);
    }
    this.completeValue(value, true);
  }

  private completeValue(value: unknown, appears: boolean): void {
    if (appears) this.changed = true;
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) {
      this.root = value;
      this.rootState = 'done';
      return;
    }
    if (frame.kind === 'array') {
      frame.value.push(value);
      frame.phase = 'comma';
      return;
    }
    setProperty(frame.value, frame.key!, value);
    frame.phase = 'comma';
  }

  private close(): void {
    const frame = this.stack.pop()!;
    this.completeValue(frame.value, false);
  }

  private fail(): void {
    this.failed = true;
  }

  private snapshot(): unknown {
    if (this.rootState === 'done') return this.root;
    if (this.rootState === 'none') return undefined;
    let inner: { value: unknown } | undefined =
      this.scalar !== undefined && this.scalar.kind === 'string' && !this.scalar.isKey ? { value: this.scalar.text } : undefined;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const frame = this.stack[i];
      let copy: Container;
      if (frame.kind === 'array') {
        copy = frame.value.slice();
        if (inner !== undefined) copy.push(inner.value);
      } else {
        copy = { ...frame.value };
        if (inner !== undefined && frame.phase === 'value' && frame.key !== undefined) setProperty(copy, frame.key, inner.value);
      }
      inner = { value: copy };
    }
    return inner?.value;
  }
}

/** `obj[key] = value` as JSON.parse does it: `__proto__` becomes an own property, not the prototype. */
function setProperty(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/**
 * True when `partial` is a prefix of `value` in the sense above: equal scalars, a string prefix, an
 * array whose elements equal value's except the last (a prefix of the corresponding element), an
 * object whose properties are (recursively) prefixes of value's. For tests and callers that check
 * streams.
 */
export function isPartialOf(partial: unknown, value: unknown): boolean {
  if (partial === undefined) return true;
  if (typeof partial === 'string') return typeof value === 'string' && value.startsWith(partial);
  if (partial === null || typeof partial !== 'object') return Object.is(partial, value);
  if (Array.isArray(partial)) {
    if (!Array.isArray(value) || partial.length > value.length) return false;
    return partial.every((item, i) => (i === partial.length - 1 ? isPartialOf(item, value[i]) : deepEqual(item, value[i])));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const target = value as Record<string, unknown>;
  return Object.entries(partial).every(([k, v]) => Object.prototype.hasOwnProperty.call(target, k) && isPartialOf(v, target[k]));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
