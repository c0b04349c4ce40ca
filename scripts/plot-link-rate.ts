// Writes docs/link-rate.svg: the secret key rate of each link preset's hardware against fibre
// length, from libs/link-model. Run with
//   npx ts-node --transpile-only -r tsconfig-paths/register scripts/plot-link-rate.ts
// The SVG is written by hand so that the plot needs no dependency.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ABORT_QBER_THRESHOLD,
  cutOffDistanceKm,
  LINK_PRESETS,
  secretKeyRate,
  type LinkPreset,
} from '@app/link-model';

export const PLOT_FILE = resolve(__dirname, '..', 'docs', 'link-rate.svg');

const WIDTH = 1000;
const HEIGHT = 700;
const PLOT = { left: 100, right: 960, top: 92, bottom: 610 } as const;
const MAX_KM = 200;
const STEP_KM = 0.25;
/** Decades of the rate axis, in bit/s: 1 b/s to 1 Gb/s. */
const MIN_DECADE = 0;
const MAX_DECADE = 9;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'] as const;

const xOf = (km: number): number => PLOT.left + ((PLOT.right - PLOT.left) * km) / MAX_KM;
const yOf = (bps: number): number =>
  PLOT.bottom -
  ((PLOT.bottom - PLOT.top) * (Math.log10(bps) - MIN_DECADE)) / (MAX_DECADE - MIN_DECADE);
const fixed = (n: number): string => n.toFixed(1);

const escape = (raw: string): string =>
  raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${fixed(x)}" y="${fixed(y)}" ${attributes}>${escape(content)}</text>`;
}

/** 1234567 → "1.23 Mb/s". */
function formatRate(bps: number): string {
  const units: readonly [number, string][] = [
    [1e9, 'Gb/s'],
    [1e6, 'Mb/s'],
    [1e3, 'kb/s'],
  ];
  for (const [scale, unit] of units) {
    if (bps >= scale) {
      return `${Number((bps / scale).toPrecision(3))} ${unit}`;
    }
  }
  return `${Number(bps.toPrecision(3))} b/s`;
}

function decadeLabel(decade: number): string {
  const units = ['b/s', 'kb/s', 'Mb/s', 'Gb/s'];
  return `${10 ** (decade % 3)} ${units[Math.floor(decade / 3)]}`;
}

function axes(): string[] {
  const parts: string[] = [];
  for (let km = 0; km <= MAX_KM; km += 20) {
    const x = xOf(km);
    parts.push(
      `<line x1="${fixed(x)}" y1="${PLOT.top}" x2="${fixed(x)}" y2="${PLOT.bottom}" class="grid"/>`,
      `<line x1="${fixed(x)}" y1="${PLOT.bottom}" x2="${fixed(x)}" y2="${PLOT.bottom + 6}" class="axis"/>`,
      text(x, PLOT.bottom + 22, String(km), 'class="tick" text-anchor="middle"'),
    );
  }
  for (let decade = MIN_DECADE; decade <= MAX_DECADE; decade++) {
    const y = yOf(10 ** decade);
    parts.push(
      `<line x1="${PLOT.left}" y1="${fixed(y)}" x2="${PLOT.right}" y2="${fixed(y)}" class="grid"/>`,
      `<line x1="${PLOT.left - 6}" y1="${fixed(y)}" x2="${PLOT.left}" y2="${fixed(y)}" class="axis"/>`,
      text(PLOT.left - 10, y + 4, decadeLabel(decade), 'class="tick" text-anchor="end"'),
    );
    for (let minor = 2; minor <= 9 && decade < MAX_DECADE; minor++) {
      const ym = yOf(minor * 10 ** decade);
      parts.push(
        `<line x1="${PLOT.left - 3}" y1="${fixed(ym)}" x2="${PLOT.left}" y2="${fixed(ym)}" class="axis"/>`,
      );
    }
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" class="frame"/>`,
    text(
      (PLOT.left + PLOT.right) / 2,
      PLOT.bottom + 50,
      'Fibre length (km)',
      'class="label" text-anchor="middle"',
    ),
    text(
      28,
      (PLOT.top + PLOT.bottom) / 2,
      'Secret key rate (bit/s, log scale)',
      `class="label" text-anchor="middle" transform="rotate(-90 28 ${(PLOT.top + PLOT.bottom) / 2})"`,
    ),
  );
  return parts;
}

/** The curve of a preset's hardware from 0 to 200 km, cut where it leaves the chart at 1 b/s. */
function curvePath(preset: LinkPreset, cutOffKm: number): string {
  const floor = 10 ** MIN_DECADE;
  const points: string[] = [];
  for (let km = 0; km <= MAX_KM; km += STEP_KM) {
    const bps = secretKeyRate({ ...preset.parameters, fibreLengthKm: km }).secretKeyRateBps;
    if (bps < floor) {
      // The rate falls steeply at the end; finish the line on the chart's floor at the cut-off.
      points.push(`${fixed(xOf(Math.min(km, cutOffKm)))},${fixed(PLOT.bottom)}`);
      break;
    }
    points.push(`${fixed(xOf(km))},${fixed(yOf(bps))}`);
  }
  return `M${points.join(' L')}`;
}

function hardwareSummary(preset: LinkPreset): string {
  const p = preset.parameters;
  const ghz = p.pulseRateHz / 1e9;
  return (
    `η_Bob ${Math.round(p.detectorEfficiency * 100)}%, Y₀ ${p.darkCountProbability.toExponential(0)}, ` +
    `e_det ${(p.misalignmentError * 100).toFixed(1)}%, f ${p.errorCorrectionInefficiency}, ` +
    `q ${p.siftingFactor ?? 0.5}, ${ghz} GHz, ${p.fibreLossDbPerKm} dB/km`
  );
}

function curve(preset: LinkPreset, colour: string): string {
  const cutOff = cutOffDistanceKm(preset.parameters);
  return `<path d="${curvePath(preset, cutOff)}" fill="none" stroke="${colour}" stroke-width="2.5"/>`;
}

/**
 * The point of a preset's own distance, and where its curve reaches 0 (the cut-off); drawn after
 * every curve so that no line crosses a label.
 */
function annotations(preset: LinkPreset, colour: string, labelAbove: boolean): string[] {
  const cutOff = cutOffDistanceKm(preset.parameters);
  const own = secretKeyRate(preset.parameters);
  const ownKm = preset.parameters.fibreLengthKm;
  const parts = [
    `<circle cx="${fixed(xOf(ownKm))}" cy="${fixed(yOf(own.secretKeyRateBps))}" r="6" fill="${colour}" stroke="white" stroke-width="1.5"/>`,
    text(
      xOf(ownKm) + 9,
      yOf(own.secretKeyRateBps) + 19,
      `${formatRate(own.secretKeyRateBps)} at ${ownKm} km`,
      `class="note" style="fill: ${colour}"`,
    ),
  ];
  if (cutOff <= MAX_KM) {
    // A cross on the axis, and two short vertical lines of text beside it.
    const x = xOf(cutOff);
    const qber = secretKeyRate({ ...preset.parameters, fibreLengthKm: cutOff }).qber;
    const y = PLOT.bottom - 12;
    parts.push(
      `<path d="M${fixed(x - 6)},${PLOT.bottom - 6} L${fixed(x + 6)},${PLOT.bottom + 6} M${fixed(x - 6)},${PLOT.bottom + 6} L${fixed(x + 6)},${PLOT.bottom - 6}" stroke="${colour}" stroke-width="3"/>`,
      ...[`cut-off ${cutOff.toFixed(0)} km`, `QBER ${(qber * 100).toFixed(1)}%`].map((line, i) =>
        text(
          x + 16 + 16 * i,
          y,
          line,
          `class="note" style="fill: ${colour}" transform="rotate(-90 ${fixed(x + 16 + 16 * i)} ${y})"`,
        ),
      ),
    );
  } else {
    // Right-aligned in two lines by the curve's end: above the highest curve, below the others.
    const y = yOf(secretKeyRate({ ...preset.parameters, fibreLengthKm: MAX_KM }).secretKeyRateBps);
    const lines = [`cut-off ${cutOff.toFixed(0)} km`, 'off the chart →'];
    const firstY = labelAbove ? y - 50 : y + 20;
    parts.push(
      ...lines.map((line, i) =>
        text(
          PLOT.right - 6,
          firstY + 15 * i,
          line,
          `class="note" style="fill: ${colour}" text-anchor="end"`,
        ),
      ),
    );
  }
  return parts;
}

/** Legend in the empty lower left: short links have high rates, so nothing is drawn there. */
function legend(presets: readonly LinkPreset[]): string[] {
  const rowHeight = 38;
  const width = 480;
  const height = rowHeight * presets.length + 30;
  const x = PLOT.left + 24;
  const y = PLOT.bottom - 14 - height;
  const parts = [
    `<rect x="${x - 12}" y="${y}" width="${width}" height="${height}" fill="white" fill-opacity="0.95" stroke="#bbb"/>`,
  ];
  presets.forEach((preset, i) => {
    const rowY = y + 20 + i * rowHeight;
    parts.push(
      `<line x1="${x}" y1="${rowY - 5}" x2="${x + 26}" y2="${rowY - 5}" stroke="${COLOURS[i]}" stroke-width="3"/>`,
      text(x + 34, rowY, `${preset.name} — id ${preset.id}`, 'class="legend"'),
      text(x + 34, rowY + 15, hardwareSummary(preset), 'class="small"'),
    );
  });
  parts.push(
    text(
      x,
      y + height - 10,
      '● the preset’s own distance and rate     × cut-off: the rate reaches 0 (QBER there)',
      'class="small"',
    ),
  );
  return parts;
}

/** Of the curves that leave the chart on the right, the highest is labelled above, others below. */
function labelAbove(preset: LinkPreset, presets: readonly LinkPreset[]): boolean {
  const atEdge = (p: LinkPreset): number =>
    secretKeyRate({ ...p.parameters, fibreLengthKm: MAX_KM }).secretKeyRateBps;
  return presets.every((other) => atEdge(other) <= atEdge(preset));
}

function plot(): string {
  const presets = Object.values(LINK_PRESETS);
  const threshold = (ABORT_QBER_THRESHOLD * 100).toFixed(1);
  const body = [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    text(
      WIDTH / 2,
      34,
      'Decoy-state BB84 secret key rate against fibre length',
      'class="title" text-anchor="middle"',
    ),
    text(
      WIDTH / 2,
      56,
      'GLLP with infinite decoys (Lo, Ma, Chen, PRL 94, 230504 (2005)), optimal μ; each preset’s hardware swept over distance.',
      'class="subtitle" text-anchor="middle"',
    ),
    text(
      WIDTH / 2,
      74,
      `A link aborts above QBER ${threshold}% (Shor–Preskill); with error correction at f > 1 its rate reaches 0 before that, at the cut-off.`,
      'class="subtitle" text-anchor="middle"',
    ),
    ...axes(),
    ...presets.map((preset, i) => curve(preset, COLOURS[i])),
    ...presets.flatMap((preset, i) => annotations(preset, COLOURS[i], labelAbove(preset, presets))),
    ...legend(presets),
  ];
  const style = [
    'text { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; fill: #222; }',
    '.title { font-size: 22px; font-weight: bold; }',
    '.label { font-size: 16px; }',
    '.tick { font-size: 13px; }',
    '.legend { font-size: 14px; font-weight: bold; }',
    '.note { font-size: 13px; font-weight: bold; paint-order: stroke; stroke: white; stroke-width: 4px; stroke-linejoin: round; }',
    '.subtitle { font-size: 13px; fill: #444; }',
    '.small { font-size: 12px; fill: #444; }',
    '.grid { stroke: #e4e4e4; stroke-width: 1; }',
    '.axis { stroke: #222; stroke-width: 1; }',
    '.frame { fill: none; stroke: #222; stroke-width: 1.2; }',
  ].join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<style>\n${style}\n</style>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function main(): void {
  writeFileSync(PLOT_FILE, plot());
  process.stdout.write(`written ${PLOT_FILE}\n`);
}

if (require.main === module) {
  main();
}
