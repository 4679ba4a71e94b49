import { renderSvgDocument, SERIES_COLORS, svgElement, type SvgElement } from './svg.js';

/**
 * Grouped vertical bars: one group per category (a MaskBench subset, a test-suite keyword), one bar per
 * series (engine) inside each group. Missing values leave a gap rather than a zero bar, so "not run"
 * never reads as "0%".
 */
export interface BarSeries {
  name: string;
  /** One value per category, in category order; undefined = not measured. */
  values: readonly (number | undefined)[];
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Top of the y axis; defaults to the largest value (1 for shares is typical). */
  yMax?: number;
  /** Label printed above each bar; defaults to two significant digits. */
  formatValue?: (value: number) => string;
  height?: number;
}

const BAR_WIDTH = 14;
const GROUP_GAP = 18;
const ZERO_BAR_HEIGHT = 1.5;

/** Renders the chart as a standalone SVG document; its width grows with the number of bars. */
export function renderBarChart(options: BarChartOptions): string {
  for (const series of options.series) {
    if (series.values.length !== options.categories.length) {
      throw new RangeError(
        `bar series "${series.name}" has ${series.values.length} values for ${options.categories.length} categories`,
      );
    }
  }
  const formatValue = options.formatValue ?? ((value: number) => String(Number(value.toPrecision(2))));
  const groupWidth = Math.max(1, options.series.length) * BAR_WIDTH + GROUP_GAP;
  const longestLabel = Math.max(0, ...options.categories.map((category) => category.length));
  // The legend lists series one per line above the plot.
  // Category labels are rotated 40 degrees, so a long first label reaches left of the plot.
  const firstLabel = options.categories[0]?.length ?? 0;
  const margin = {
    left: Math.max(64, Math.min(200, firstLabel * 5.4 - 10)),
    right: 24,
    top: 44 + 18 * options.series.length,
    bottom: 24 + Math.min(160, longestLabel * 5.2),
  };
  const longestName = Math.max(0, ...options.series.map((series) => series.name.length));
  const plotWidth = Math.max(240, options.categories.length * groupWidth, options.title.length * 8.5 - margin.left, longestName * 6.6 + 24);
  const width = margin.left + plotWidth + margin.right;
  const height = (options.height ?? 400) + 18 * options.series.length;
  const plotHeight = height - margin.top - margin.bottom;
  if (plotHeight < 60) throw new RangeError(`bar chart height ${height} is too small`);

  let yMax = options.yMax ?? 0;
  if (options.yMax === undefined) {
    for (const series of options.series) for (const value of series.values) if (value !== undefined) yMax = Math.max(yMax, value);
  }
  if (!(yMax > 0)) yMax = 1;
  const yOf = (value: number): number => margin.top + plotHeight - (Math.min(value, yMax) / yMax) * plotHeight;

  const parts: SvgElement[] = [
    svgElement('text', { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }, options.title),
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (yMax * tick) / 4;
    const y = yOf(value);
    parts.push(svgElement('line', { x1: margin.left, x2: margin.left + plotWidth, y1: y, y2: y, stroke: '#dddddd' }));
    parts.push(svgElement('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end' }, formatValue(value)));
  }
  parts.push(
    svgElement(
      'text',
      { x: 16, y: margin.top + plotHeight / 2, 'text-anchor': 'middle', transform: `rotate(-90 16 ${margin.top + plotHeight / 2})` },
      options.yLabel,
    ),
  );

  options.categories.forEach((category, categoryIndex) => {
    const groupX = margin.left + categoryIndex * groupWidth + GROUP_GAP / 2;
    options.series.forEach((series, seriesIndex) => {
      const value = series.values[categoryIndex];
      if (value === undefined || !Number.isFinite(value)) return;
      const x = groupX + seriesIndex * BAR_WIDTH;
      // A measured zero keeps a sliver of height, so it reads differently from "not measured".
      const y = Math.min(yOf(value), margin.top + plotHeight - ZERO_BAR_HEIGHT);
      parts.push(
        svgElement(
          'rect',
          {
            class: 'bar',
            x,
            y,
            width: BAR_WIDTH - 2,
            height: margin.top + plotHeight - y,
            fill: SERIES_COLORS[seriesIndex % SERIES_COLORS.length],
          },
          svgElement('title', {}, `${series.name} / ${category}: ${formatValue(value)}`),
        ),
      );
    });
    const labelX = groupX + (options.series.length * BAR_WIDTH) / 2;
    const labelY = margin.top + plotHeight + 12;
    parts.push(
      svgElement(
        'text',
        { x: labelX, y: labelY, 'text-anchor': 'end', transform: `rotate(-40 ${labelX} ${labelY})` },
        category,
      ),
    );
  });
  parts.push(svgElement('rect', { x: margin.left, y: margin.top, width: plotWidth, height: plotHeight, fill: 'none', stroke: '#888888' }));

  options.series.forEach((series, index) => {
    const y = 36 + 18 * index;
    parts.push(svgElement('rect', { x: margin.left, y, width: 12, height: 12, fill: SERIES_COLORS[index % SERIES_COLORS.length] }));
    parts.push(svgElement('text', { x: margin.left + 18, y: y + 10 }, series.name));
  });
  return renderSvgDocument(width, height, parts);
}
