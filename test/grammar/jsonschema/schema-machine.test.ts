import { describe, expect, it } from 'vitest';
import { compileJsonSchema, type JsonSchemaOptions } from '../../../src/grammar/jsonschema/index.js';
import type { SchemaState } from '../../../src/grammar/jsonschema/schema-machine.js';

/** Feeds the UTF-8 bytes of `text`; 'dead' when some byte is refused, else whether EOS may follow. */
function run(schema: unknown, text: string, options: JsonSchemaOptions = {}): boolean | 'dead' {
  const { machine } = compileJsonSchema(schema, { allowEmpty: true, ...options });
  let s: SchemaState | undefined = machine.initial;
  for (const b of Buffer.from(text, 'utf8')) {
    s = machine.step(s, b);
    if (s === undefined) return 'dead';
  }
  return machine.accepts(s);
}

function expectValid(schema: unknown, docs: string[], options?: JsonSchemaOptions) {
  for (const d of docs) expect([d, run(schema, d, options)]).toEqual([d, true]);
}

function expectInvalid(schema: unknown, docs: string[], options?: JsonSchemaOptions) {
  for (const d of docs) expect([d, run(schema, d, options)]).not.toEqual([d, true]);
}

/** The byte at which `text` is first refused (-1 when every byte is allowed). */
function deadAt(schema: unknown, text: string, options: JsonSchemaOptions = {}): number {
  const { machine } = compileJsonSchema(schema, { allowEmpty: true, ...options });
  let s: SchemaState | undefined = machine.initial;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    s = machine.step(s, bytes[i]);
    if (s === undefined) return i;
  }
  return -1;
}

describe('JSON syntax', () => {
  it('accepts every JSON value under the empty schema, with flexible whitespace', () => {
    expectValid({}, ['null', 'true', 'false', '0', '-0.5e+10', '"x"', '[]', '{}', ' [ 1 , { "a" : [ ] } ] ', '"\\u00e9\\ud83d\\ude00\\n"', '"é😀"']);
  });

  it('rejects malformed JSON byte by byte', () => {
    expectInvalid({}, ['01', '1.', '.5', '-', '1e', '[1,]', '{"a"}', '{"a":1,}', 'tru', 'nul', '"\\x"', '"a', '[1 2]', '{,}']);
    expect(deadAt({}, '"\u0001"')).toBe(1);
    expect(deadAt({}, '"\\ud800x"')).toBe(7); // a high surrogate must be followed by a low one
    expect(deadAt({}, '"\\udc00"')).toBe(4); // a lone low surrogate is refused at its second hex digit
  });

  it('never accepts invalid UTF-8', () => {
    const { machine } = compileJsonSchema({});
    const feed = (bytes: number[]) => {
      let s: SchemaState | undefined = machine.initial;
      for (const b of bytes) if (s !== undefined) s = machine.step(s, b);
      return s;
    };
    expect(feed([0x22, 0xc0, 0x80])).toBeUndefined(); // overlong
    expect(feed([0x22, 0xed, 0xa0, 0x80])).toBeUndefined(); // surrogate
    expect(feed([0x22, 0xf4, 0x90])).toBeUndefined(); // above U+10FFFF
    expect(feed([0x22, 0x80])).toBeUndefined(); // stray continuation
    expect(feed([0x22, 0xe2, 0x82, 0xac, 0x22])).toBeDefined(); // €
  });

  it('bounds whitespace runs and supports compact output', () => {
    expect(run({}, `[${' '.repeat(64)}1]`)).toBe(true);
    expect(run({}, `[${' '.repeat(65)}1]`)).toBe('dead');
    expect(run({}, `[${' '.repeat(8)}1]`, { maxWhitespaceRun: 4 })).toBe('dead');
    expect(run({}, '[1, 2]', { whitespace: 'compact' })).toBe('dead');
    expect(run({}, '[1,2]', { whitespace: 'compact' })).toBe(true);
  });
});

describe('type-specific keywords', () => {
  it('enforces type, with integer meaning an integral value', () => {
    // 'exact' numbers: every JSON text of an integral value; 'bounded' (default): plain integers only.
    expectValid({ type: 'integer' }, ['1', '-3', '1.0', '1e2', '1.5e1'], { numbers: 'exact' });
    expectInvalid({ type: 'integer' }, ['1.5', '"1"', '1e-1'], { numbers: 'exact' });
    expectValid({ type: 'integer' }, ['1', '-3', '0', '1234567890123456789']);
    expectInvalid({ type: 'integer' }, ['1.0', '1e2', '-0', '12345678901234567890', '1.5']);
    expectValid({ type: ['string', 'null'] }, ['"a"', 'null']);
    expectInvalid({ type: ['string', 'null'] }, ['1', '{}']);
  });

  it('applies type-specific keywords only to their type', () => {
    expectValid({ minLength: 3, minimum: 5, minItems: 2, minProperties: 1 }, ['"abc"', '7', '[1,2]', '{"a":1}', 'null', 'true']);
    expectInvalid({ minLength: 3, minimum: 5, minItems: 2, minProperties: 1 }, ['"ab"', '4', '[1]', '{}']);
  });

  it('counts string length in code points, after unescaping', () => {
    expectValid({ maxLength: 2 }, ['"😀😀"', '"\\u00e9\\u00e9"', '"\\ud83d\\ude00x"']);
    expectInvalid({ maxLength: 2 }, ['"abc"', '"😀😀😀"']);
    expectValid({ minLength: 2 }, ['"\\n\\t"']);
    expectInvalid({ minLength: 2 }, ['"\\u00e9"']);
  });

  it('matches patterns (ECMAScript, unanchored) on the decoded string', () => {
    expectValid({ pattern: '^a+$' }, ['"aaa"', '"\\u0061a"']);
    expectInvalid({ pattern: '^a+$' }, ['"ab"', '""']);
    expectValid({ pattern: 'wifi' }, ['"my wifi net"']);
    expect(deadAt({ pattern: '^[0-9]+$' }, '"12x"')).toBe(3);
  });

  it('checks numbers exactly, and as ajv does on doubles', () => {
    expectValid({ minimum: 0, maximum: 1 }, ['0', '-0', '1', '0.5', '1e0', '-0.0']);
    expectInvalid({ minimum: 0, maximum: 1 }, ['-1e-9', '1.0000000001']);
    expectValid({ exclusiveMinimum: 0 }, ['1e-300']);
    expectInvalid({ exclusiveMinimum: 0 }, ['0', '-0.0']);
    expectValid({ multipleOf: 0.5 }, ['1.5', '3', '-2.5e1']);
    expectInvalid({ multipleOf: 0.5 }, ['1.25']);
    // 19.99 is a multiple of 0.01, but ajv's double division says no: the machine sides with the stricter.
    expect(run({ multipleOf: 0.01 }, '19.99')).toBe(false);
    // a minus sign is refused at once under minimum 0 (no completion can be >= 0 except -0).
    expect(deadAt({ minimum: 0 }, '-1')).toBe(1);
  });

  it('enforces object keywords with properties in any order', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a'],
      additionalProperties: false,
      maxProperties: 2,
    };
    expectValid(schema, ['{"a":"x"}', '{"b":1,"a":"x"}', '{ "a" : "" , "b" : 2 }']);
    expectInvalid(schema, ['{}', '{"b":1}', '{"a":1}', '{"a":"x","c":1}', '{"a":"x","a":"y"}']);
    // a key no closed schema allows is refused at its first impossible byte
    expect(deadAt(schema, '{"c')).toBe(2);
  });

  it('enforces patternProperties, propertyNames and dependencies', () => {
    const schema = {
      patternProperties: { '^x-': { type: 'string' } },
      additionalProperties: { type: 'number' },
      propertyNames: { maxLength: 5 },
      dependentRequired: { a: ['b'] },
    };
    expectValid(schema, ['{"x-a":"s","n":1}', '{"a":1,"b":2}', '{}']);
    expectInvalid(schema, ['{"x-a":1}', '{"n":"s"}', '{"toolong":1}', '{"a":1}']);
    expectValid({ dependentSchemas: { a: { required: ['b'] } } }, ['{"b":1}', '{"a":1,"b":1}']);
    expectInvalid({ dependentSchemas: { a: { required: ['b'] } } }, ['{"a":1}']);
  });

  it('enforces array keywords', () => {
    const tuple = { prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    expectValid(tuple, ['[]', '["a"]', '["a",1]']);
    expectInvalid(tuple, ['[1]', '["a",1,2]']);
    expectValid({ minItems: 1, maxItems: 2 }, ['[1]', '[1,2]']);
    expectInvalid({ minItems: 1, maxItems: 2 }, ['[]', '[1,2,3]']);
    const contains = { contains: { type: 'string' }, minContains: 2, maxContains: 3 };
    expectValid(contains, ['["a","b"]', '[1,"a","b","c",2]']);
    expectInvalid(contains, ['["a"]', '["a","b","c","d"]']);
    expectValid({ items: { type: 'integer' }, uniqueItems: true }, ['[1,2,3]', '[]']);
    expectInvalid({ uniqueItems: true }, ['[1,1]', '[1,1.0]', '[{"a":1,"b":2},{"b":2,"a":1}]', '[["x"],["\\u0078"]]']);
    expectValid({ uniqueItems: true }, ['[1,"1",true,[1],{"1":1}]']);
  });
});

describe('const and enum use JSON equality', () => {
  it('accepts every serialization of an equal value', () => {
    const schema = { const: { a: 2, b: [1, 'x'] } };
    expectValid(schema, ['{"a":2,"b":[1,"x"]}', '{"b":[1.0,"\\u0078"],"a":2e0}', '{ "b" : [ 1 , "x" ] , "a" : 2 }']);
    expectInvalid(schema, ['{"a":2}', '{"a":2,"b":[1,"x"],"c":0}', '{"a":2,"b":["x",1]}']);
    expectValid({ enum: [1, 'a', null, false] }, ['1.0', '"\\u0061"', 'null', 'false']);
    expectInvalid({ enum: [1, 'a', null, false] }, ['2', '"b"', 'true', '[]']);
  });
});

describe('combinators', () => {
  it('anyOf, allOf, oneOf (exactly one), not', () => {
    expectValid({ anyOf: [{ type: 'string' }, { minimum: 3 }] }, ['"x"', '3']);
    expectInvalid({ anyOf: [{ type: 'string' }, { minimum: 3 }] }, ['2']);
    expectValid({ allOf: [{ minimum: 1 }, { maximum: 3 }] }, ['2']);
    expectInvalid({ allOf: [{ minimum: 1 }, { maximum: 3 }] }, ['4']);
    const one = { oneOf: [{ minimum: 2 }, { maximum: 5 }] };
    expectValid(one, ['1', '7']);
    expectInvalid(one, ['3']);
    expectInvalid({ not: { type: 'string' } }, ['"a"']);
    expectValid({ not: { type: 'string' } }, ['1', '{}']);
    // not {type: string} is decided by the opening quote
    expect(deadAt({ not: { type: 'string' } }, '"a"')).toBe(0);
  });

  it('if / then / else', () => {
    const schema = { if: { properties: { kind: { const: 'a' } }, required: ['kind'] }, then: { required: ['x'] }, else: { required: ['y'] } };
    expectValid(schema, ['{"kind":"a","x":1}', '{"kind":"b","y":1}', '{"y":1}']);
    expectInvalid(schema, ['{"kind":"a","y":1}', '{"kind":"b","x":1}']);
  });

  it('unevaluatedProperties and unevaluatedItems see successful in-place subschemas only', () => {
    const props = { properties: { a: {} }, anyOf: [{ properties: { b: {} }, required: ['b'] }, { properties: { c: {} }, required: ['c'] }], unevaluatedProperties: false };
    expectValid(props, ['{"a":1,"b":1}', '{"c":1}']);
    expectInvalid(props, ['{"a":1,"b":1,"d":1}', '{"b":1,"c":1,"d":1}']);
    const items = { prefixItems: [{ type: 'string' }], contains: { type: 'number' }, unevaluatedItems: false };
    expectValid(items, ['["a",1,2]']);
    expectInvalid(items, ['["a",1,true]']);
    expectInvalid({ unevaluatedProperties: false, not: { not: { properties: { a: {} } } } }, ['{"a":1}']);
  });

  it('resolves local references, recursion, anchors and dynamic references', () => {
    const tree = { $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } }, additionalProperties: false } }, $ref: '#/$defs/node' };
    expectValid(tree, ['{"kids":[{"kids":[]},{}]}']);
    expectInvalid(tree, ['{"kids":[{"x":1}]}']);
    expectValid({ $defs: { s: { $anchor: 'str', type: 'string' } }, items: { $ref: '#str' } }, ['["a"]']);
    const dynamic = {
      $id: 'https://example.com/root',
      $ref: 'list',
      $defs: {
        string: { $dynamicAnchor: 'item', type: 'string' },
        list: { $id: 'list', type: 'array', items: { $dynamicRef: '#item' }, $defs: { any: { $dynamicAnchor: 'item' } } },
      },
    };
    // The outermost resource's "item" anchor (strings) wins over the list's own (anything).
    expect(run(dynamic, '["a","b"]', { finalValidation: false })).toBe(true);
    expect(run(dynamic, '["a",1]', { finalValidation: false })).not.toBe(true);
  });
});

describe('formats', () => {
  it('asserts date-time with leap seconds at UTC 23:59 only', () => {
    expectValid({ format: 'date-time' }, ['"1998-12-31T15:59:60.123-08:00"', '"2020-02-29T00:00:00Z"', '"1963-06-19t08:30:06z"']);
    expectInvalid({ format: 'date-time' }, ['"1998-12-31T23:59:60+01:00"', '"2021-02-29T00:00:00Z"', '"2020-01-01T00:00:00"', '"2020-01-01 00:00:00Z"']);
  });

  it('asserts the other specified formats and ignores unknown ones', () => {
    expectValid({ format: 'email' }, ['"a.b@example.com"']);
    expectInvalid({ format: 'email' }, ['"a..b@example.com"', '"@x.com"']);
    expectValid({ format: 'ipv4' }, ['"192.168.0.1"']);
    expectInvalid({ format: 'ipv4' }, ['"192.168.0.01"', '"256.0.0.1"']);
    expectValid({ format: 'uuid' }, ['"2EB8AA08-AA98-11EA-B4AA-73B441D16380"']);
    expectValid({ format: 'hostname' }, ['"xn--9n2bp8q.xn--9t4b11yi5a"', '"a-b.example"']);
    expectInvalid({ format: 'hostname' }, ['"xn--X"', '"-a.example"', '"ab--c"']);
    expectValid({ format: 'idn-hostname' }, ['"실례.테스트"', '"l·l"']);
    expectInvalid({ format: 'idn-hostname' }, ['"a·l"', '"a\u05d0"']);
    expectValid({ format: 'phone-number' }, ['"anything at all"']);
  });
});

describe('propertyOrder: schema', () => {
  it('requires named properties in the order of the schema', () => {
    const schema = { properties: { a: {}, b: {}, c: {} } };
    expectValid(schema, ['{"a":1,"c":2}', '{"a":1,"x":0,"b":2}'], { propertyOrder: 'schema' });
    expectInvalid(schema, ['{"b":1,"a":2}', '{"c":1,"b":2}'], { propertyOrder: 'schema' });
    expectValid(schema, ['{"b":1,"a":2}']);
  });
});
