import { describe, expect, it } from 'vitest';

import { renderBarChart } from '../../../bench/report/bar-chart.js';
import { formatDuration, renderPercentileChart } from '../../../bench/report/percentile-chart.js';
import { escapeXml, renderSvgDocument, svgElement } from '../../../bench/report/svg.js';
import { allElements, parseXml, textContent } from './xml-tree.js';

describe('SVG writer', () => {
  it('escapes text and attributes so any label yields well-formed XML', () => {
    const svg = renderSvgDocument(100, 50, [svgElement('text', { 'data-name': 'a"<b>&\'' }, 'x < y && "z"')]);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    const text = allElements(root).find((element) => element.name === 'text')!;
    expect(text.attributes['data-name']).toBe('a"<b>&\'');
    expect(text.text).toBe('x < y && "z"');
    expect(escapeXml('<&>')).toBe('&lt;&amp;&gt;');
  });

  it('refuses non-finite coordinates instead of writing NaN into the document', () => {
    expect(() => renderSvgDocument(100, 50, [svgElement('rect', { x: Number.NaN })])).toThrow(RangeError);
  });
});

describe('percentile chart', () => {
  const series = [
    { name: 'formwork <ours>', values: Array.from({ length: 2000 }, (_, i) => 10 + (i % 100)) },
    { name: 'xgrammar', values: Array.from({ length: 500 }, (_, i) => (i === 499 ? 90_000 : 5 + i)) },
    { name: 'empty & idle', values: [] },
  ];
  const svg = renderPercentileChart({ title: 'mask time', quantity: 'mask time', unit: 'us', series });
  const root = parseXml(svg);

  it('is well-formed SVG with one line per non-empty series and one legend entry per series', () => {
    expect(root.name).toBe('svg');
    const lines = allElements(root).filter((element) => element.name === 'polyline');
    expect(lines).toHaveLength(2);
    const legend = allElements(root)
      .filter((element) => element.name === 'text')
      .map(textContent);
    // Each entry: the series name, then its figures on the next line.
    const entry = (name: string): string => legend[legend.indexOf(name) + 1];
    expect(entry('formwork <ours>')).toBe('p50 59.5 us, p90 99.1 us, p99 108 us, p99.9 109 us, max 109 us (n = 2,000)');
    expect(entry('xgrammar')).toMatch(/^p50 .*max 90 ms \(n = 500\)$/);
    expect(entry('empty & idle')).toBe('no values');
  });

  it('draws latencies on a log axis spanning the data', () => {
    const labels = allElements(root)
      .filter((element) => element.name === 'text')
      .map(textContent);
    expect(labels).toContain('1 us');
    expect(labels).toContain('100 ms');
    expect(labels).toContain('99.9%');
  });

  it('formats durations in the largest fitting unit', () => {
    expect(formatDuration(830, 'us')).toBe('830 us');
    expect(formatDuration(5700, 'us')).toBe('5.7 ms');
    expect(formatDuration(1234.5, 'ms')).toBe('1.23 s');
    expect(formatDuration(Number.NaN, 'ms')).toBe('-');
  });
});

describe('bar chart', () => {
  it('draws one bar per measured (category, series) pair and leaves gaps for missing ones', () => {
    const svg = renderBarChart({
      title: 'passing per subset',
      yLabel: 'share',
      categories: ['Github_easy', 'Glaiveai2K', 'Kubernetes', 'Snowplow'],
      series: [
        { name: 'formwork', values: [0.9, 1, 0.8, 0.7] },
        { name: 'xgrammar', values: [0.6, undefined, 0.5, 0] },
      ],
      yMax: 1,
    });
    const root = parseXml(svg);
    const bars = allElements(root).filter((element) => element.name === 'rect' && element.attributes.class === 'bar');
    expect(bars).toHaveLength(7);
    const titles = bars.map((bar) => textContent(bar));
    expect(titles).toContain('xgrammar / Kubernetes: 0.5');
    expect(titles).not.toContain('xgrammar / Glaiveai2K: 0');
    // A measured zero is still drawn (a sliver), unlike the missing value.
    const heights = bars.map((bar) => Number(bar.attributes.height));
    expect(Math.min(...heights)).toBe(1.5);
  });

  it('refuses a series whose length does not match the categories', () => {
    expect(() => renderBarChart({ title: 't', yLabel: 'y', categories: ['a', 'b'], series: [{ name: 's', values: [1] }] })).toThrow(
      /has 1 values for 2 categories/,
    );
  });
});
