/**
 * Internationalized host names (IDNA2008: RFC 5890-5893) for the `idn-hostname`, `idn-email` and
 * `hostname` (A-labels) formats: Punycode (RFC 3492), the derived property of each code point (RFC
 * 5892 section 2, from JavaScript's Unicode property escapes), the contextual rules (appendix A) and
 * the Bidi rule (RFC 5893).
 *
 * JavaScript exposes General_Category and Script but neither Joining_Type, Bidi_Class nor the
 * canonical combining class, so those few tables are reduced to what can be stated with certainty, and
 * every approximation errs towards REJECTING: a name this module accepts satisfies the RFCs; some rare
 * valid names (e.g. a ZWNJ between letters whose joining type is not listed here) are refused.
 */

// ---------------------------------------------------------------- Punycode (RFC 3492)

const BASE = 36;
const TMIN = 1;
const TMAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 128;

function adapt(delta: number, numPoints: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((BASE - TMIN) * TMAX) >> 1) {
    delta = Math.floor(delta / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 22; // 0-9 -> 26-35
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  return -1;
}

function digitChar(d: number): string {
  return String.fromCharCode(d < 26 ? d + 0x61 : d + 22);
}

/** Decodes the part after "xn--"; undefined when it is not valid Punycode. */
export function punycodeDecode(input: string): string | undefined {
  const output: number[] = [];
  const dash = input.lastIndexOf('-');
  const basic = dash < 0 ? 0 : dash;
  for (let j = 0; j < basic; j++) {
    const c = input.charCodeAt(j);
    if (c >= 0x80) return undefined;
    output.push(c);
  }
  let n = INITIAL_N;
  let bias = INITIAL_BIAS;
  let i = 0;
  for (let index = basic > 0 ? basic + 1 : 0; index < input.length; ) {
    const oldi = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (index >= input.length) return undefined;
      const digit = digitValue(input.charCodeAt(index++));
      if (digit < 0) return undefined;
      if (digit > Math.floor((0x7fffffff - i) / w)) return undefined;
      i += digit * w;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (digit < t) break;
      if (w > Math.floor(0x7fffffff / (BASE - t))) return undefined;
      w *= BASE - t;
    }
    bias = adapt(i - oldi, output.length + 1, oldi === 0);
    if (Math.floor(i / (output.length + 1)) > 0x7fffffff - n) return undefined;
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

/** Encodes a label's code points as Punycode (without "xn--"). */
export function punycodeEncode(label: string): string {
  const input = [...label].map((c) => c.codePointAt(0)!);
  let output = '';
  for (const c of input) if (c < 0x80) output += String.fromCharCode(c);
  const basic = output.length;
  let handled = basic;
  if (basic > 0) output += '-';
  let n = INITIAL_N;
  let delta = 0;
  let bias = INITIAL_BIAS;
  while (handled < input.length) {
    let m = 0x7fffffff;
    for (const c of input) if (c >= n && c < m) m = c;
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of input) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
          if (q < t) break;
          output += digitChar(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        output += digitChar(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

// ---------------------------------------------------------------- code point classes

const RE_UNASSIGNED = /^\p{Cn}$/u;
const RE_LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const RE_IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Noncharacter_Code_Point}]$/u;
const RE_MARK = /^\p{M}$/u;
const RE_GREEK = /^\p{Script=Greek}$/u;
const RE_HEBREW = /^\p{Script=Hebrew}$/u;
const RE_KANA_HAN = /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u;
const RE_HANGUL_JAMO = /^[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]$/u;

const EXCEPTION_PVALID = new Set([0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007]);
const EXCEPTION_DISALLOWED = new Set([0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b]);

/** Canonical combining class 9 (Virama), which JavaScript cannot query. */
const VIRAMAS = new Set([
  0x094d, 0x09cd, 0x0a4d, 0x0acd, 0x0b4d, 0x0bcd, 0x0c4d, 0x0ccd, 0x0d3b, 0x0d3c, 0x0d4d, 0x0dca, 0x0e3a, 0x0eba,
  0x0f84, 0x1039, 0x103a, 0x1714, 0x1715, 0x1734, 0x17d2, 0x1a60, 0x1b44, 0x1baa, 0x1bab, 0x1bf2, 0x1bf3, 0x2d7f,
  0xa806, 0xa82c, 0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed, 0x10a3f, 0x11046, 0x11070, 0x1107f, 0x110b9, 0x11133,
  0x11134, 0x111c0, 0x11235, 0x112ea, 0x1134d, 0x11442, 0x114c2, 0x115bf, 0x1163f, 0x116b6, 0x1172b, 0x11839,
  0x1193d, 0x1193e, 0x119e0, 0x11a34, 0x11a47, 0x11a99, 0x11c3f, 0x11d44, 0x11d45, 0x11d97,
]);

/**
 * Joining types of the common Arabic letters (ArabicShaping.txt): D dual-joining, R right-joining.
 * Letters not listed are treated as non-joining, which can only make the ZWNJ rule reject.
 */
const JOIN_DUAL = new Set<number>();
const JOIN_RIGHT = new Set<number>();
for (const c of [0x0626, 0x0628, 0x062a, 0x062b, 0x062c, 0x062d, 0x062e, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, 0x0638, 0x0639, 0x063a, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647, 0x0649, 0x064a]) JOIN_DUAL.add(c);
for (const c of [0x0622, 0x0623, 0x0624, 0x0625, 0x0627, 0x0629, 0x062f, 0x0630, 0x0631, 0x0632, 0x0648]) JOIN_RIGHT.add(c);

type Derived = 'PVALID' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED';

/** RFC 5892 section 3 derived property, in the section's order. */
function derivedProperty(cp: number): Derived {
  if (EXCEPTION_PVALID.has(cp)) return 'PVALID';
  if (EXCEPTION_DISALLOWED.has(cp)) return 'DISALLOWED';
  if (cp === 0x00b7 || cp === 0x0375 || cp === 0x05f3 || cp === 0x05f4 || cp === 0x30fb || (cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x06f0 && cp <= 0x06f9)) {
    return 'CONTEXTO';
  }
  const ch = String.fromCodePoint(cp);
  if (RE_UNASSIGNED.test(ch)) return 'DISALLOWED';
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || cp === 0x2d) return 'PVALID';
  if (cp === 0x200c || cp === 0x200d) return 'CONTEXTJ';
  // Unstable: changed by NFKC case folding (approximated with NFKC and lower-casing, both ways).
  if (ch.normalize('NFKC').toLowerCase().normalize('NFKC') !== ch || ch.toUpperCase() === ch && ch.toLowerCase() !== ch) return 'DISALLOWED';
  if (RE_IGNORABLE.test(ch)) return 'DISALLOWED';
  if ((cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0x1d100 && cp <= 0x1d24f)) return 'DISALLOWED';
  if (RE_HANGUL_JAMO.test(ch)) return 'DISALLOWED';
  if (RE_LETTER_DIGIT.test(ch)) return 'PVALID';
  return 'DISALLOWED';
}

// ---------------------------------------------------------------- Bidi (RFC 5893), reduced

type Bidi = 'L' | 'R' | 'AL' | 'AN' | 'EN' | 'NSM' | 'ES' | 'BN' | 'OTHER';

const RE_RTL = /^[\p{Script=Hebrew}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Nko}\p{Script=Adlam}]$/u;
const RE_AL = /^[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}]$/u;

function bidiClass(cp: number): Bidi {
  if (cp === 0x2d) return 'ES';
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x06f0 && cp <= 0x06f9)) return 'EN';
  if ((cp >= 0x0660 && cp <= 0x0669) || cp === 0x066b || cp === 0x066c) return 'AN';
  const ch = String.fromCodePoint(cp);
  if (RE_MARK.test(ch) && !/^\p{Mc}$/u.test(ch)) return 'NSM';
  if (/^\p{Cf}$/u.test(ch)) return 'BN';
  // Non-mark characters of the right-to-left scripts (letters and their punctuation such as GERESH).
  if (RE_RTL.test(ch)) return 'R';
  if (RE_AL.test(ch)) return 'AL';
  if (/^[\p{L}\p{Mc}]$/u.test(ch)) return 'L';
  return 'OTHER';
}

function isRtlLabel(cps: number[]): boolean {
  return cps.some((c) => {
    const b = bidiClass(c);
    return b === 'R' || b === 'AL' || b === 'AN';
  });
}

/** RFC 5893 section 2, rules 1-6 (for a label of a Bidi domain name). */
function bidiRuleHolds(cps: number[]): boolean {
  const classes = cps.map(bidiClass);
  if (classes.includes('OTHER')) return false;
  const first = classes[0];
  let last = classes.length - 1;
  while (last > 0 && classes[last] === 'NSM') last--;
  if (first === 'R' || first === 'AL') {
    for (const c of classes) if (c === 'L') return false;
    const end = classes[last];
    if (!(end === 'R' || end === 'AL' || end === 'EN' || end === 'AN')) return false;
    if (classes.includes('EN') && classes.includes('AN')) return false;
    return true;
  }
  if (first !== 'L') return false;
  for (const c of classes) if (c === 'R' || c === 'AL' || c === 'AN') return false;
  const end = classes[last];
  return end === 'L' || end === 'EN';
}

// ---------------------------------------------------------------- labels and names

/** RFC 5891 5.4 / RFC 5892: whether `label` (no dots) is a valid U-label's content. */
function validULabelContent(label: string): boolean {
  if (label.length === 0) return false;
  if (label.normalize('NFC') !== label) return false;
  const cps = [...label].map((c) => c.codePointAt(0)!);
  if (cps[0] === 0x2d || cps[cps.length - 1] === 0x2d) return false;
  if (cps.length >= 4 && cps[2] === 0x2d && cps[3] === 0x2d) return false;
  if (RE_MARK.test(String.fromCodePoint(cps[0]))) return false;
  let arabicIndic = false;
  let extendedArabicIndic = false;
  for (const c of cps) {
    if (c >= 0x0660 && c <= 0x0669) arabicIndic = true;
    if (c >= 0x06f0 && c <= 0x06f9) extendedArabicIndic = true;
  }
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const p = derivedProperty(c);
    if (p === 'PVALID') continue;
    if (p === 'DISALLOWED') return false;
    const before = i > 0 ? cps[i - 1] : -1;
    const after = i + 1 < cps.length ? cps[i + 1] : -1;
    switch (c) {
      case 0x200d:
        if (!VIRAMAS.has(before)) return false;
        break;
      case 0x200c:
        if (!VIRAMAS.has(before) && !zwnjJoins(cps, i)) return false;
        break;
      case 0x00b7:
        if (before !== 0x6c || after !== 0x6c) return false;
        break;
      case 0x0375:
        if (after < 0 || !RE_GREEK.test(String.fromCodePoint(after))) return false;
        break;
      case 0x05f3:
      case 0x05f4:
        if (before < 0 || !RE_HEBREW.test(String.fromCodePoint(before))) return false;
        break;
      case 0x30fb:
        if (!cps.some((x) => x !== 0x30fb && RE_KANA_HAN.test(String.fromCodePoint(x)))) return false;
        break;
      default:
        if (c >= 0x0660 && c <= 0x0669 && extendedArabicIndic) return false;
        if (c >= 0x06f0 && c <= 0x06f9 && arabicIndic) return false;
    }
  }
  return true;
}

/** RFC 5892 A.1: (L|D) T* ZWNJ T* (R|D) with the joining types known here. */
function zwnjJoins(cps: number[], at: number): boolean {
  const transparent = (c: number) => RE_MARK.test(String.fromCodePoint(c)) && !/^\p{Mc}$/u.test(String.fromCodePoint(c));
  let i = at - 1;
  while (i >= 0 && transparent(cps[i])) i--;
  if (i < 0 || !JOIN_DUAL.has(cps[i])) return false;
  let j = at + 1;
  while (j < cps.length && transparent(cps[j])) j++;
  return j < cps.length && (JOIN_DUAL.has(cps[j]) || JOIN_RIGHT.has(cps[j]));
}

/** An "xn--" label: valid Punycode that re-encodes to itself and decodes to a valid non-ASCII U-label. */
function validALabel(label: string): string | undefined {
  const lower = label.toLowerCase();
  const decoded = punycodeDecode(lower.slice(4));
  if (decoded === undefined || decoded.length === 0) return undefined;
  if (isAscii(decoded)) return undefined;
  if ('xn--' + punycodeEncode(decoded) !== lower) return undefined;
  if (!validULabelContent(decoded)) return undefined;
  return decoded;
}

const LDH = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * A host name's labels, each either LDH (a non-reserved ASCII label) or an A-label, then the Bidi rule
 * over the decoded labels when any is right-to-left. `unicode` allows U-labels and the IDNA dot forms.
 */
function validHost(name: string, unicode: boolean): boolean {
  if (name.length === 0) return false;
  const labels = unicode ? name.split(/[.\u3002\uff0e\uff61]/) : name.split('.');
  const decoded: number[][] = [];
  let asciiLength = labels.length - 1;
  for (const label of labels) {
    if (label.length === 0) return false;
    let u: string;
    if (isAscii(label)) {
      if (/^xn--/i.test(label)) {
        if (label.length > 63) return false;
        const d = validALabel(label);
        if (d === undefined) return false;
        u = d;
      } else {
        if (!LDH.test(label)) return false;
        if (label.length >= 4 && label[2] === '-' && label[3] === '-') return false;
        u = label.toLowerCase();
      }
      asciiLength += label.length;
    } else {
      if (!unicode || !validULabelContent(label)) return false;
      const a = 'xn--' + punycodeEncode(label);
      if (a.length > 63) return false;
      asciiLength += a.length;
      u = label;
    }
    decoded.push([...u].map((c) => c.codePointAt(0)!));
  }
  if (asciiLength > 253) return false;
  if (decoded.some(isRtlLabel)) {
    for (const cps of decoded) if (!bidiRuleHolds(cps)) return false;
  }
  return true;
}

/** RFC 5890 host names with U-labels (`idn-hostname`). */
export function isIdnHostname(text: string): boolean {
  return validHost(text, true);
}

/** The A-labels of an ASCII host name are valid IDNA (`hostname`; the LDH syntax is the automaton's). */
export function asciiHostnameLabelsValid(text: string): boolean {
  return validHost(text, false);
}

/**
 * RFC 6531 mailbox with UTF-8 (`idn-email`): a dot-atom or quoted local part of at most 64 octets, and an
 * idn-hostname domain. Address literals are not accepted (a conservative subset).
 */
export function isIdnEmail(text: string): boolean {
  const at = text.lastIndexOf('@');
  if (at <= 0) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (Buffer.byteLength(local, 'utf8') > 64) return false;
  const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\u0080-\\u{10FFFF}]";
  const dotAtom = new RegExp(`^${atext}+(?:\\.${atext}+)*$`, 'u');
  const quoted = /^"(?:[\u0020\u0021\u0023-\u005b\u005d-\u007e\u0080-\u{10ffff}]|\\[\u0020-\u007e])*"$/u;
  if (!dotAtom.test(local) && !quoted.test(local)) return false;
  // RFC 6531 domains are compared after normalization: a non-NFC label is accepted in its NFC form.
  return isIdnHostname(domain.normalize('NFC'));
}
