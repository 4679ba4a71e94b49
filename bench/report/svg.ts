/**
 * A minimal SVG writer: an element tree rendered with every attribute and text escaped, so a schema
 * name or engine label with `<` or `&` cannot break the document. The report's charts are built on it
 * (no plotting dependency: the figures must regenerate on a machine with only this repository).
 */
export interface SvgElement {
  readonly tag: string;
  readonly attributes: Readonly<Record<string, string | number | undefined>>;
  readonly children: readonly (SvgElement | string)[];
}

/** An element; attributes whose value is undefined are left out. */
export function svgElement(
  tag: string,
  attributes: Record<string, string | number | undefined> = {},
  ...children: (SvgElement | string | readonly (SvgElement | string)[])[]
): SvgElement {
  return { tag, attributes, children: children.flat() };
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => XML_ESCAPES[character]);
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Numbers in coordinates: two decimals are below a pixel's width and keep files small. */
function formatAttribute(value: string | number): string {
  if (typeof value === 'string') return escapeXml(value);
  if (!Number.isFinite(value)) throw new RangeError(`SVG attribute value ${value} is not a finite number`);
  return String(Math.round(value * 100) / 100);
}

function renderElement(element: SvgElement, out: string[]): void {
  out.push('<', element.tag);
  for (const [name, value] of Object.entries(element.attributes)) {
    if (value === undefined) continue;
    out.push(' ', name, '="', formatAttribute(value), '"');
  }
  if (element.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const child of element.children) {
    if (typeof child === 'string') out.push(escapeXml(child));
    else renderElement(child, out);
  }
  out.push('</', element.tag, '>');
}

/** A standalone SVG document of the given size whose content is `children`. */
export function renderSvgDocument(width: number, height: number, children: readonly (SvgElement | string)[]): string {
  const root = svgElement(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
      'font-size': 12,
    },
    svgElement('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    children,
  );
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  renderElement(root, out);
  out.push('\n');
  return out.join('');
}

/** Colour-blind-safe series colours (Okabe-Ito), ours first by convention. */
export const SERIES_COLORS: readonly string[] = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#F0E442',
  '#000000',
];
