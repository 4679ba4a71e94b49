import { fullFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { formatPredicate, formatSpec } from '../../../src/grammar/jsonschema/formats.js';
import { isIdnHostname, punycodeDecode, punycodeEncode } from '../../../src/grammar/jsonschema/idna.js';

/** ajv-formats' own verdict on a string for `name` (regex or function formats). */
function ajvSays(name: string, text: string): boolean {
  const f = (fullFormats as Record<string, unknown>)[name];
  const def = typeof f === 'object' && f !== null && !(f instanceof RegExp) ? (f as { validate: unknown }).validate : f;
  if (def instanceof RegExp) return def.test(text);
  if (typeof def === 'function') return (def as (s: string) => boolean)(text);
  return true;
}

const samples: Record<string, [string[], string[]]> = {
  date: [['2020-02-29', '0400-02-29', '1999-12-31'], ['2021-02-29', '2020-13-01', '2020-1-01', '20200101', '0100-02-29']],
  time: [['08:30:06Z', '23:59:60Z', '01:29:60+01:30', '15:59:60-08:00', '12:34:56.789-00:00'], ['24:00:00Z', '22:59:60Z', '23:59:60+01:00', '08:30:06', '08:30:06+0100']],
  'date-time': [['1963-06-19T08:30:06.283185Z', '1963-06-19t08:30:06z'], ['1963-06-19 08:30:06Z', '1990-02-31T15:59:59Z']],
  duration: [['P4DT12H30M5S', 'PT0S', 'P2W', 'P1Y2M'], ['P', 'PT', 'P1Y2D', 'PT1H2S', 'P1WT1H']],
  email: [['joe.bloggs@example.com', 'te~st@example.com'], ['.test@example.com', 'te..st@example.com', 'a@b', 'joe bloggs@x.com']],
  hostname: [['www.example.com', 'xn--9n2bp8q.xn--9t4b11yi5a', 'a--b.com'], ['-a.com', 'a_b.com', 'xn--X', 'XN--aa---o47jg78q', 'example.']],
  ipv4: [['192.168.0.1', '0.0.0.0'], ['01.2.3.4', '256.1.1.1', '1.2.3']],
  ipv6: [['::1', '1:2:3:4:5:6:7:8', '::ffff:192.168.0.1'], ['12345::', '1::2::3', '::ffff:192.168.0.01']],
  uuid: [['2eb8aa08-aa98-11ea-b4aa-73b441d16380'], ['urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380', '2eb8aa08aa9811eab4aa73b441d16380']],
  uri: [['http://foo.bar/?baz=qux#quux', 'urn:example:x', 'http://[2001:db8::1]/'], ['//foo.bar', 'http://a b', 'http://[::ffff:1.2.3.04]/']],
  'uri-reference': [['/abc', '', '#frag', './this:that'], ['\\\\WINDOWS', '1:b', '/%zz']],
  'uri-template': [['http://example.com/{term:1}/{term}', '{+var}'], ['{}', '{v:0}', 'a b']],
  'json-pointer': [['', '/foo/0', '/a~1b'], ['#', '/~2', 'a']],
  'relative-json-pointer': [['1', '0/foo', '0#'], ['/foo', '-1', '01#']],
  regex: [['([abc])+\\s+$'], ['^(abc]']],
  iri: [['http://ƒøø.ßår/?∂éœ=πîx#πîüx'], ['/abc', 'http://[::ffff:192.168.0.01]']],
  'idn-hostname': [['실례.테스트', 'l·l', 'a。b'], ['〮실례.테스트', 'a·l', '0a.א', 'xn--X']],
  'idn-email': [['실례@실례.테스트', 'joe.bloggs@example.com'], ['2962', 'user＠example.com']],
};

describe('formats', () => {
  for (const [name, [valid, invalid]] of Object.entries(samples)) {
    it(name, () => {
      const check = formatPredicate(name)!;
      for (const s of valid) expect([s, check(s)]).toEqual([s, true]);
      for (const s of invalid) expect([s, check(s)]).toEqual([s, false]);
    });
  }

  it('never accepts a string that ajv-formats rejects', () => {
    for (const [name, [valid, invalid]] of Object.entries(samples)) {
      if (!(name in fullFormats)) continue;
      for (const s of [...valid, ...invalid]) if (formatPredicate(name)!(s)) expect([name, s, ajvSays(name, s)]).toEqual([name, s, true]);
    }
  });

  it('formats outside the specification are annotations', () => {
    expect(formatSpec('phone')).toBeUndefined();
    expect(formatSpec('int32')).toBeUndefined();
  });
});

describe('IDNA', () => {
  it('round-trips Punycode (RFC 3492 samples)', () => {
    expect(punycodeDecode('ihqwcrb4cv8a8dqg056pqjye')).toBe('他们为什么不说中文');
    expect(punycodeEncode('他们为什么不说中文')).toBe('ihqwcrb4cv8a8dqg056pqjye');
    expect(punycodeEncode('bücher')).toBe('bcher-kva');
    expect(punycodeDecode('X')).toBeUndefined();
  });

  it('applies contextual and Bidi rules', () => {
    expect(isIdnHostname('\u0915\u094d\u200d\u0937')).toBe(true); // ZWJ after a virama
    expect(isIdnHostname('\u0915\u200d\u0937')).toBe(false);
    expect(isIdnHostname('\u05d0\u05f3\u05d1')).toBe(true);
    expect(isIdnHostname('\u05d00\u0660')).toBe(false);
  });
});
