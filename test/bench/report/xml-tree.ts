/**
 * A strict little XML parser for tests: it accepts exactly well-formed documents of the kind our SVG
 * writer produces (declaration, elements, attributes, text, the five predefined entities and numeric
 * references) and throws on anything else, so "the SVG parses" is a real check.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string, at: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '<') throw new Error(`"<" in text or attribute at ${at + i}`);
    if (raw[i] !== '&') {
      out += raw[i];
      continue;
    }
    ENTITY.lastIndex = i;
    const match = ENTITY.exec(raw);
    if (match === null) throw new Error(`bare "&" at ${at + i}`);
    const body = match[0].slice(1, -1);
    out += body.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(body.slice(2), 16))
      : body.startsWith('#')
        ? String.fromCodePoint(Number(body.slice(1)))
        : ENTITIES[body];
    i += match[0].length - 1;
  }
  return out;
}

export function parseXml(text: string): XmlElement {
  let position = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${position}`);
  };
  const name = (): string => {
    NAME.lastIndex = position;
    const match = NAME.exec(text);
    if (match === null) return fail('expected a name');
    position = NAME.lastIndex;
    return match[0];
  };
  const skipSpace = (): void => {
    while (/\s/.test(text[position] ?? '')) position++;
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    position = end + 2;
  }
  const element = (): XmlElement => {
    if (text[position] !== '<') fail('expected "<"');
    position++;
    const node: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (text.startsWith('/>', position)) {
        position += 2;
        return node;
      }
      if (text[position] === '>') {
        position++;
        break;
      }
      const attribute = name();
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute}`);
      skipSpace();
      if (text[position] !== '=') fail('expected "="');
      position++;
      skipSpace();
      const quote = text[position];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      const end = text.indexOf(quote, position + 1);
      if (end < 0) fail('unterminated attribute value');
      node.attributes[attribute] = decodeEntities(text.slice(position + 1, end), position + 1);
      position = end + 1;
    }
    for (;;) {
      const next = text.indexOf('<', position);
      if (next < 0) fail(`unclosed element <${node.name}>`);
      node.text += decodeEntities(text.slice(position, next), position);
      position = next;
      if (text.startsWith('</', position)) {
        position += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        skipSpace();
        if (text[position] !== '>') fail('expected ">"');
        position++;
        return node;
      }
      node.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (position !== text.length) fail('text after the root element');
  return root;
}

/** Every element (root included) in document order. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** The text content of an element and its descendants. */
export function textContent(element: XmlElement): string {
  return element.text + element.children.map(textContent).join('');
}
