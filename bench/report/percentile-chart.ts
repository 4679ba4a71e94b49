import { quantileSorted, sortedCopy } from './percentile.js';
import { renderSvgDocument, SERIES_COLORS, svgElement, type SvgElement } from './svg.js';

/**
 * A latency percentile plot (the HdrHistogram layout: an inverse CDF on log scales): x is the percentile
 * on a "nines" axis (50%, 90%, 99%, 99.9%, ... equally spaced), y the latency on a log axis. Tails are
 * what separates engines on MaskBench (a p99.9 mask holds a whole batch), and a linear CDF squeezes
 * them into the last pixel; here every extra nine gets the same width.
 */
export interface PercentileSeries {
  name: string;
  /** Durations in `unit`; zero or negative values are drawn at the axis floor. */
  values: ArrayLike<number>;
}

export interface PercentileChartOptions {
  title: string;
  /** What was timed, e.g. "mask time per token". */
  quantity: string;
  /** Unit of the values. */
  unit: 'us' | 'ms' | 's';
  series: readonly PercentileSeries[];
  width?: number;
  height?: number;
}

const UNIT_SECONDS = { us: 1e-6, ms: 1e-3, s: 1 } as const;
const MAX_NINES = 5;
const SAMPLES_PER_SERIES = 240;

/** "830 us", "5.7 ms", "1.2 s": three significant digits at most, in the largest unit below the value. */
export function formatDuration(value: number, unit: 'us' | 'ms' | 's'): string {
  if (!Number.isFinite(value)) return '-';
  const seconds = value * UNIT_SECONDS[unit];
  const [scaled, suffix] =
    Math.abs(seconds) >= 1 ? [seconds, 's'] : Math.abs(seconds) >= 1e-3 ? [seconds * 1e3, 'ms'] : [seconds * 1e6, 'us'];
  return `${Number(scaled.toPrecision(3))} ${suffix}`;
}

function percentileLabel(nines: number): string {
  if (nines === 0) return '0%';
  const percent = 100 * (1 - 10 ** -nines);
  return `${Number(percent.toPrecision(Math.max(2, Math.round(nines) + 1)))}%`;
}

/** Renders the chart as a standalone SVG document. */
export function renderPercentileChart(options: PercentileChartOptions): string {
  const sortedSeries = options.series.map((series) => ({ name: series.name, sorted: sortedCopy(series.values) }));
  const legendTexts = sortedSeries.map(({ sorted }) =>
    sorted.length === 0
      ? 'no values'
      : ['p50', 'p90', 'p99', 'p99.9', 'max']
          .map((label, i) => `${label} ${formatDuration(quantileSorted(sorted, [0.5, 0.9, 0.99, 0.999, 1][i]), options.unit)}`)
          .join(', ') + ` (n = ${sorted.length.toLocaleString('en-US')})`,
  );
  // Legend entries take two lines (name, then figures) below the axis title.
  const legendHeight = 34 * sortedSeries.length;
  const longestLegend = Math.max(0, ...sortedSeries.map(({ name }, i) => Math.max(name.length, legendTexts[i].length + 4)));
  const margin = { left: 78, right: 48, top: 44, bottom: 62 + legendHeight };
  const width = Math.max(options.width ?? 760, Math.ceil(margin.left + 20 + longestLegend * 6.6));
  const height = (options.height ?? 400) + legendHeight;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  if (plotHeight < 60) throw new RangeError(`chart height ${height} is too small for ${options.series.length} series`);

  let minPositive = Number.POSITIVE_INFINITY;
  let max = 0;
  let largestCount = 0;
  for (const { sorted } of sortedSeries) {
    largestCount = Math.max(largestCount, sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i] > 0) {
        minPositive = Math.min(minPositive, sorted[i]);
        break;
      }
    }
    if (sorted.length > 0) max = Math.max(max, sorted[sorted.length - 1]);
  }
  if (!Number.isFinite(minPositive)) minPositive = 1;
  if (max <= minPositive) max = minPositive * 10;
  const yLow = Math.floor(Math.log10(minPositive));
  const yHigh = Math.max(yLow + 1, Math.ceil(Math.log10(max)));
  // A sample of n values says nothing beyond the (1 - 1/n) percentile.
  const xHigh = Math.min(MAX_NINES, Math.max(2, Math.ceil(Math.log10(Math.max(largestCount, 1)))));

  const xOf = (nines: number): number => margin.left + (nines / xHigh) * plotWidth;
  const yOf = (value: number): number => {
    const logValue = Math.log10(Math.max(value, 10 ** yLow));
    return margin.top + plotHeight - ((logValue - yLow) / (yHigh - yLow)) * plotHeight;
  };

  const grid: SvgElement[] = [];
  for (let power = yLow; power <= yHigh; power++) {
    const y = yOf(10 ** power);
    grid.push(svgElement('line', { x1: margin.left, x2: margin.left + plotWidth, y1: y, y2: y, stroke: '#dddddd' }));
    grid.push(
      svgElement('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end' }, formatDuration(10 ** power, options.unit)),
    );
  }
  const xTicks = [0, Math.log10(2), 1, 2, 3, 4, 5].filter((nines) => nines <= xHigh);
  for (const nines of xTicks) {
    const x = xOf(nines);
    grid.push(svgElement('line', { x1: x, x2: x, y1: margin.top, y2: margin.top + plotHeight, stroke: '#dddddd' }));
    grid.push(svgElement('text', { x, y: margin.top + plotHeight + 16, 'text-anchor': 'middle' }, percentileLabel(nines)));
  }

  const lines: SvgElement[] = [];
  const legend: SvgElement[] = [];
  sortedSeries.forEach(({ name, sorted }, index) => {
    const color = SERIES_COLORS[index % SERIES_COLORS.length];
    const legendY = margin.top + plotHeight + 62 + 34 * index;
    legend.push(svgElement('rect', { x: margin.left, y: legendY - 9, width: 14, height: 4, fill: color }));
    legend.push(svgElement('text', { x: margin.left + 20, y: legendY - 3 }, name));
    legend.push(svgElement('text', { x: margin.left + 20, y: legendY + 13, fill: '#444444' }, legendTexts[index]));
    if (sorted.length === 0) return;
    const points: string[] = [];
    const limit = Math.min(xHigh, Math.log10(sorted.length));
    for (let k = 0; k <= SAMPLES_PER_SERIES; k++) {
      const nines = (limit * k) / SAMPLES_PER_SERIES;
      const value = quantileSorted(sorted, Math.min(1, 1 - 10 ** -nines));
      points.push(`${xOf(nines).toFixed(1)},${yOf(value).toFixed(1)}`);
    }
    // The maximum, drawn at the right edge of what this sample can resolve.
    points.push(`${xOf(limit).toFixed(1)},${yOf(sorted[sorted.length - 1]).toFixed(1)}`);
    lines.push(svgElement('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
  });

  return renderSvgDocument(width, height, [
    svgElement('text', { x: width / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }, options.title),
    ...grid,
    svgElement('rect', { x: margin.left, y: margin.top, width: plotWidth, height: plotHeight, fill: 'none', stroke: '#888888' }),
    ...lines,
    svgElement(
      'text',
      { x: margin.left + plotWidth / 2, y: margin.top + plotHeight + 36, 'text-anchor': 'middle' },
      `percentile of ${options.quantity} (log scale of nines)`,
    ),
    svgElement(
      'text',
      {
        x: 16,
        y: margin.top + plotHeight / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 16 ${margin.top + plotHeight / 2})`,
      },
      `${options.quantity} (log scale)`,
    ),
    ...legend,
  ]);
}
