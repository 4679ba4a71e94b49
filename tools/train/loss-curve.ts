/**
 * Draws the training run's loss curve (tools/train/train.py's history.json) as a small SVG for the
 * model card, and prints it as a Markdown table:
 *
 *   npx tsx tools/train/loss-curve.ts [--history tmp/default-model/train/history.json] [--out models/default/loss-curve.svg]
 *
 * Train loss is the per-batch loss averaged over windows of 5 log points (batches differ a lot: a
 * batch of SQL answers is easier than one of English); valid loss is the periodic evaluation on the
 * first documents of the validation split.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    history: { type: 'string', default: 'tmp/default-model/train/history.json' },
    out: { type: 'string', default: 'models/default/loss-curve.svg' },
  },
});

interface History {
  train: [number, number, number][];
  valid: [number, number, number][];
  valid_full?: number;
}
const history = JSON.parse(readFileSync(args.history!, 'utf8')) as History;

const window = 5;
const train: [number, number][] = [];
for (let i = 0; i + window <= history.train.length; i += window) {
  const slice = history.train.slice(i, i + window);
  train.push([slice.at(-1)![0], slice.reduce((s, p) => s + p[1], 0) / window]);
}
const valid = history.valid.map(([step, loss]) => [step, loss] as [number, number]);

const W = 480;
const H = 240;
const pad = { left: 44, right: 12, top: 12, bottom: 32 };
const maxStep = Math.max(...train.map((p) => p[0]), ...valid.map((p) => p[0]));
const losses = [...train, ...valid].map((p) => p[1]);
const top = Math.ceil(Math.max(...losses));
const bottom = Math.floor(Math.min(...losses));
const x = (step: number): number => pad.left + ((W - pad.left - pad.right) * step) / maxStep;
const y = (loss: number): number => pad.top + ((H - pad.top - pad.bottom) * (top - loss)) / (top - bottom);
const line = (points: [number, number][]): string => points.map(([s, l]) => `${x(s).toFixed(1)},${y(l).toFixed(1)}`).join(' ');

const ticks: string[] = [];
for (let l = bottom; l <= top; l++) {
  ticks.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${y(l).toFixed(1)}" y2="${y(l).toFixed(1)}" stroke="#ddd"/>`);
  ticks.push(`<text x="${pad.left - 6}" y="${(y(l) + 4).toFixed(1)}" text-anchor="end">${l}</text>`);
}
for (let i = 0; i <= 4; i++) {
  const step = Math.round((maxStep * i) / 4);
  ticks.push(`<text x="${x(step).toFixed(1)}" y="${H - pad.bottom + 16}" text-anchor="middle">${step}</text>`);
}
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
${ticks.join('\n')}
<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line(train)}"/>
<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${line(valid)}"/>
${valid.map(([s, l]) => `<circle cx="${x(s).toFixed(1)}" cy="${y(l).toFixed(1)}" r="2.5" fill="#d62728"/>`).join('\n')}
<text x="${(W + pad.left) / 2}" y="${H - 4}" text-anchor="middle">step</text>
<text x="${W - pad.right - 150}" y="${pad.top + 12}" fill="#1f77b4">train (mean of ${window} logs)</text>
<text x="${W - pad.right - 150}" y="${pad.top + 26}" fill="#d62728">validation</text>
</svg>
`;
writeFileSync(args.out!, svg);
console.log('| step | train loss | validation loss |');
console.log('|---|---|---|');
const validAt = new Map(valid.map(([s, l]) => [s, l]));
for (const [step, loss] of train) {
  if (!validAt.has(step) && step % 100 !== 0) continue;
  console.log(`| ${step} | ${loss.toFixed(3)} | ${validAt.has(step) ? validAt.get(step)!.toFixed(3) : ''} |`);
}
if (history.valid_full !== undefined) console.log(`final validation loss (all documents): ${history.valid_full.toFixed(4)}`);
