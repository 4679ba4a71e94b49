import { CodePointSet, mapCharSets, parseRegex, type RegexNode } from '../regex/index.js';
import { DateTimeComponent } from './date-time-component.js';
import { asciiHostnameLabelsValid, isIdnEmail, isIdnHostname } from './idna.js';
import { nodeComponent } from './pattern-component.js';
import type { StringComponent } from './string-component.js';

/**
 * JSON Schema `format` as automata. Each format accepts the INTERSECTION of its specification (RFC
 * 3339, 3986, 5321, 6570, 6901, ...) and of what ajv-formats accepts, because the compiled machine must
 * never accept a string that either the specification or the reference validator rejects. Where
 * ajv-formats is a regex, that regex is one of the components (made ASCII-case-insensitive by hand:
 * Unicode case folding would let U+212A KELVIN SIGN match `k`, which ajv's non-Unicode `/i` does not).
 *
 * Where the specification's automaton is already a subset of ajv-formats' regex (uri, uri-reference,
 * ipv6: RFC 3986 / 4291 grammars, ajv only adds leniencies such as `"` in host names or leading zeros
 * in embedded IPv4) the ajv regex is left out: it only cost build time (~100 ms each) and product
 * states, and the final validation by ajv would catch any difference anyway.
 *
 * Formats outside the specification's list are annotations (the 2020-12 default): `formatSpec` returns
 * undefined and the compiler reports them as ignored. Internationalized names (`idn-hostname`,
 * `idn-email`, A-labels in `hostname`) are checked by idna.ts when the string completes.
 */
export interface FormatSpec {
  readonly components: readonly StringComponent[];
  readonly predicates: readonly ((text: string) => boolean)[];
  readonly minLength: number;
  readonly maxLength: number;
}

/** Formats defined by the specification that this module asserts. */
export const ASSERTED_FORMATS: ReadonlySet<string> = new Set([
  'date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'uri',
  'uri-reference', 'iri', 'iri-reference', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
  'idn-hostname', 'idn-email',
]);

/** Adds the other ASCII case to every ASCII letter of every set (JavaScript's non-Unicode `/i`). */
function asciiIgnoreCase(node: RegexNode): RegexNode {
  return mapCharSets(node, (set) => {
    let out = set;
    for (let c = 0x41; c <= 0x5a; c++) {
      if (set.has(c) && !set.has(c + 32)) out = out.union(CodePointSet.single(c + 32));
      if (set.has(c + 32) && !set.has(c)) out = out.union(CodePointSet.single(c));
    }
    return out;
  });
}

function regex(name: string, pattern: string, ignoreCase = false): StringComponent {
  return nodeComponent(name, () => {
    const node = parseRegex(pattern, { flags: 'u' });
    return ignoreCase ? asciiIgnoreCase(node) : node;
  });
}

// RFC 3986 appendix A, written out as a regular expression.
const HEX = '[0-9A-Fa-f]';
const PCT = `%${HEX}${HEX}`;
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = `${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}`;
const H16 = `${HEX}{1,4}`;
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
const IPV6 =
  `(?:(?:${H16}:){6}${LS32}` +
  `|::(?:${H16}:){5}${LS32}` +
  `|(?:${H16})?::(?:${H16}:){4}${LS32}` +
  `|(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}` +
  `|(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}` +
  `|(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}` +
  `|(?:(?:${H16}:){0,4}${H16})?::${LS32}` +
  `|(?:(?:${H16}:){0,5}${H16})?::${H16}` +
  `|(?:(?:${H16}:){0,6}${H16})?::)`;

/** The URI grammar, or the IRI grammar (RFC 3987) when `iri` adds the non-ASCII ranges. */
function uriGrammar(iri: boolean): { absolute: string; reference: string } {
  const ucs = iri
    ? '\\u{A0}-\\u{D7FF}\\u{F900}-\\u{FDCF}\\u{FDF0}-\\u{FFEF}\\u{10000}-\\u{1FFFD}\\u{20000}-\\u{2FFFD}\\u{30000}-\\u{3FFFD}' +
      '\\u{40000}-\\u{4FFFD}\\u{50000}-\\u{5FFFD}\\u{60000}-\\u{6FFFD}\\u{70000}-\\u{7FFFD}\\u{80000}-\\u{8FFFD}' +
      '\\u{90000}-\\u{9FFFD}\\u{A0000}-\\u{AFFFD}\\u{B0000}-\\u{BFFFD}\\u{C0000}-\\u{CFFFD}\\u{D0000}-\\u{DFFFD}\\u{E1000}-\\u{EFFFD}'
    : '';
  const priv = iri ? '\\u{E000}-\\u{F8FF}\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}' : '';
  const unreserved = `${UNRESERVED}${ucs}`;
  const pchar = `(?:[${unreserved}${SUB_DELIMS}:@]|${PCT})`;
  const segment = `${pchar}*`;
  const segmentNz = `${pchar}+`;
  const segmentNzNc = `(?:[${unreserved}${SUB_DELIMS}@]|${PCT})+`;
  const scheme = '[A-Za-z][A-Za-z0-9+\\-.]*';
  const userinfo = `(?:[${unreserved}${SUB_DELIMS}:]|${PCT})*`;
  const ipFuture = `[Vv]${HEX}+\\.[${UNRESERVED}${SUB_DELIMS}:]+`;
  const host = `(?:\\[(?:${IPV6}|${ipFuture})\\]|${IPV4}|(?:[${unreserved}${SUB_DELIMS}]|${PCT})*)`;
  const authority = `(?:${userinfo}@)?${host}(?::[0-9]*)?`;
  const pathAbempty = `(?:/${segment})*`;
  const pathAbsolute = `/(?:${segmentNz}(?:/${segment})*)?`;
  const pathRootless = `${segmentNz}(?:/${segment})*`;
  const pathNoscheme = `${segmentNzNc}(?:/${segment})*`;
  const query = `(?:${pchar}|[/?${priv}])*`;
  const fragment = `(?:${pchar}|[/?])*`;
  const hier = `(?://${authority}${pathAbempty}|${pathAbsolute}|${pathRootless}|)`;
  const absolute = `${scheme}:${hier}(?:\\?${query})?(?:#${fragment})?`;
  const relative = `(?://${authority}${pathAbempty}|${pathAbsolute}|${pathNoscheme}|)(?:\\?${query})?(?:#${fragment})?`;
  return { absolute, reference: `(?:${absolute}|${relative})` };
}

// ajv-formats' own regexes (ajv-formats/dist/formats.js, "full" mode), used as extra components.
const AJV_URI_TEMPLATE = String.raw`(?:(?:[^\x00-\x20"'<>%\\^\x60{|}]|%[0-9a-f]{2})|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*`;
const AJV_EMAIL = String.raw`[a-z0-9!#$%&'*+/=?^_\x60{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_\x60{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?`;
const AJV_HOSTNAME = String.raw`[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?`;

/**
 * A hostname label in LDH syntax, 1-63 characters. Labels with `--` in positions 3-4 are reserved
 * (RFC 5891 4.2.3.1); `xn--` A-labels would need Punycode and IDNA2008 validation, which this module
 * does not implement, so they are rejected: a conservative subset, never an invalid name accepted.
 */
const LDH_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const NO_RESERVED_LABELS = '(?:[^.]{0,2}|[^.]{2}(?:[^.\\-]|-[^.\\-])[^.]*)(?:\\.(?:[^.]{0,2}|[^.]{2}(?:[^.\\-]|-[^.\\-])[^.]*))*';
const HOSTNAME = `${LDH_LABEL}(?:\\.${LDH_LABEL})*`;

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]";

// RFC 6570 URI Template (level 4 syntax).
const UT_LITERAL = `(?:[!#$&()*+,\\-./0-9:;=?@A-Z\\[\\]_a-z~\\u{A0}-\\u{D7FF}\\u{E000}-\\u{FDCF}\\u{FDF0}-\\u{FFEF}\\u{10000}-\\u{10FFFD}]|${PCT})`;
const UT_VARCHAR = `(?:[A-Za-z0-9_]|${PCT})`;
const UT_VARSPEC = `${UT_VARCHAR}(?:\\.?${UT_VARCHAR})*(?::[1-9][0-9]{0,3}|\\*)?`;
const URI_TEMPLATE = `(?:${UT_LITERAL}|\\{[+#./;?&=,!@|]?${UT_VARSPEC}(?:,${UT_VARSPEC})*\\})*`;

const DURATION =
  'P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?' +
  '|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)|[0-9]+W)';

const JSON_POINTER = '(?:/(?:[^~/]|~0|~1)*)*';

function isEcmaRegex(text: string): boolean {
  // ajv-formats' check: compiles in Unicode mode and has no Python-style `\Z`.
  if (/[^\\]\\Z/.test(text)) return false;
  try {
    new RegExp(text, 'u');
    return true;
  } catch {
    return false;
  }
}

const specs = new Map<string, FormatSpec>();

function spec(components: StringComponent[], extra: Partial<FormatSpec> = {}): FormatSpec {
  return { components, predicates: extra.predicates ?? [], minLength: extra.minLength ?? 0, maxLength: extra.maxLength ?? Infinity };
}

/** The automata of an asserted format, or undefined for a format that is only an annotation. */
export function formatSpec(name: string): FormatSpec | undefined {
  if (!ASSERTED_FORMATS.has(name)) return undefined;
  let s = specs.get(name);
  if (s !== undefined) return s;
  switch (name) {
    case 'date':
    case 'time':
    case 'date-time':
      s = spec([new DateTimeComponent(name)]);
      break;
    case 'duration':
      s = spec([regex('format duration', DURATION)]);
      break;
    case 'email':
      s = spec([
        regex('format email', `${ATEXT}+(?:\\.${ATEXT}+)*@${HOSTNAME}`),
        regex('format email (ajv)', AJV_EMAIL, true),
        // RFC 5321 4.5.3.1: local part at most 64 octets; domain labels as hostname.
        regex('format email (local part length)', '[^@]{1,64}@.*'),
        regex('format email (reserved labels)', `[^@]*@${NO_RESERVED_LABELS}`),
      ]);
      break;
    case 'hostname':
      // The automata enforce the LDH syntax; `xn--` A-labels and reserved `??--` labels are decided
      // by the IDNA check when the string completes.
      s = spec([regex('format hostname', HOSTNAME), regex('format hostname (ajv)', AJV_HOSTNAME, true)], {
        minLength: 1,
        maxLength: 253,
        predicates: [asciiHostnameLabelsValid],
      });
      break;
    case 'idn-hostname':
      s = spec([], { minLength: 1, predicates: [isIdnHostname] });
      break;
    case 'idn-email':
      s = spec([regex('format idn-email (shape)', '[^@]+@[^@]+')], { predicates: [isIdnEmail] });
      break;
    case 'ipv4':
      s = spec([regex('format ipv4', IPV4)]);
      break;
    case 'ipv6':
      s = spec([regex('format ipv6', IPV6)]);
      break;
    case 'uuid':
      s = spec([regex('format uuid', `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`)]);
      break;
    case 'uri':
      s = spec([regex('format uri', uriGrammar(false).absolute)]);
      break;
    case 'uri-reference':
      s = spec([regex('format uri-reference', uriGrammar(false).reference)]);
      break;
    case 'iri':
      s = spec([regex('format iri', uriGrammar(true).absolute)]);
      break;
    case 'iri-reference':
      s = spec([regex('format iri-reference', uriGrammar(true).reference)]);
      break;
    case 'uri-template':
      s = spec([regex('format uri-template', URI_TEMPLATE), regex('format uri-template (ajv)', AJV_URI_TEMPLATE, true)]);
      break;
    case 'json-pointer':
      s = spec([regex('format json-pointer', JSON_POINTER)]);
      break;
    case 'relative-json-pointer':
      s = spec([regex('format relative-json-pointer', `(?:0|[1-9][0-9]*)(?:#|${JSON_POINTER})`)]);
      break;
    case 'regex':
      s = spec([], { predicates: [isEcmaRegex] });
      break;
    default:
      return undefined;
  }
  specs.set(name, s);
  return s;
}

/** Predicate form of the formats this module implements itself (registered into ajv for `iri`, ...). */
export function formatPredicate(name: string): ((text: string) => boolean) | undefined {
  const s = formatSpec(name);
  if (s === undefined) return undefined;
  return (text: string) => {
    const cps = [...text].length;
    if (cps < s.minLength || cps > s.maxLength) return false;
    for (const p of s.predicates) if (!p(text)) return false;
    const bytes = new TextEncoder().encode(text);
    if (/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return false;
    for (const c of s.components) {
      let state = c.initial;
      for (let i = 0; i < bytes.length && state >= 0; i++) state = c.step(state, bytes[i]);
      if (state < 0 || !c.accepts(state)) return false;
    }
    return true;
  };
}
