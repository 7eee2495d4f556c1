/**
 * The operating curve as a standalone SVG (`rollcall evaluate --curve FILE.svg`): rank-1 accuracy
 * against strangers named, on a log x-axis from 0.1% to 100%, one line per series. Hand-written so
 * it needs no dependency and opens in any browser.
 */

export interface ChartSeries {
  name: string;
  /** Operating points: x = fraction of strangers named, y = rank-1 accuracy; null values are skipped. */
  points: readonly { x: number | null; y: number | null }[];
  /** Points to mark with a dot and a label, such as rank-1 at 1% of strangers named. */
  marks?: readonly { x: number | null; y: number | null; label: string }[];
}

export interface ChartText {
  title: string;
  /** Lines under the title: the protocol, the gallery. */
  subtitle?: readonly string[];
}

const WIDTH = 760;
const HEIGHT = 520;
const PLOT = { left: 78, right: WIDTH - 24, top: 92, bottom: HEIGHT - 62 };
const X_MIN = 1e-3;
const X_MAX = 1;
const COLOURS = ['#1f5fbf', '#c0392b', '#2e8b57', '#8e44ad', '#d35400', '#555555'];
/** Lines differ by dash as well as colour, so the chart still reads in grey or to a colour-blind eye. */
const DASHES = ['', '8 4', '2 3', '10 3 2 3', '4 4', '1 2'];

function dash(index: number): string {
  const pattern = DASHES[index % DASHES.length] ?? '';
  return pattern ? ` stroke-dasharray="${pattern}"` : '';
}
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Strangers named below 0.1% (none, usually) are drawn on the left edge: a log axis has no zero. */
function xPx(rate: number): number {
  const clamped = Math.min(X_MAX, Math.max(X_MIN, rate));
  const t = (Math.log10(clamped) - Math.log10(X_MIN)) / (Math.log10(X_MAX) - Math.log10(X_MIN));
  return PLOT.left + t * (PLOT.right - PLOT.left);
}

function yPx(accuracy: number): number {
  return PLOT.bottom - Math.min(1, Math.max(0, accuracy)) * (PLOT.bottom - PLOT.top);
}

function px(value: number): string {
  return value.toFixed(1);
}

function percentLabel(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

function axes(): string[] {
  const parts: string[] = [];
  for (let decade = -3; decade < 0; decade++) {
    for (let m = 2; m <= 9; m++) {
      const x = px(xPx(m * 10 ** decade));
      parts.push(`<line x1="${x}" y1="${PLOT.top}" x2="${x}" y2="${PLOT.bottom}" stroke="#eeeeee"/>`);
    }
  }
  for (const rate of [0.001, 0.01, 0.1, 1]) {
    const x = px(xPx(rate));
    parts.push(
      `<line x1="${x}" y1="${PLOT.top}" x2="${x}" y2="${PLOT.bottom + 6}" stroke="#cccccc"/>`,
      `<text x="${x}" y="${PLOT.bottom + 22}" text-anchor="middle" font-size="13" ${FONT}>${percentLabel(rate)}</text>`,
    );
  }
  for (let i = 0; i <= 10; i++) {
    const y = px(yPx(i / 10));
    parts.push(
      `<line x1="${PLOT.left - 6}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="${i % 5 === 0 ? '#cccccc' : '#eeeeee'}"/>`,
      `<text x="${PLOT.left - 10}" y="${y}" dy="4" text-anchor="end" font-size="13" ${FONT}>${i * 10}%</text>`,
    );
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333333"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 18}" text-anchor="middle" font-size="14" ${FONT}>strangers named (log scale; none named is drawn at 0.1%)</text>`,
    `<text transform="translate(20 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="14" ${FONT}>rank-1 accuracy (enrolled probes named correctly)</text>`,
  );
  return parts;
}

function seriesPath(series: ChartSeries, colour: string, index: number): string[] {
  const points = series.points.filter((p): p is { x: number; y: number } => p.x !== null && p.y !== null);
  if (points.length === 0) return [];
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(xPx(p.x))} ${px(yPx(p.y))}`).join(' ');
  const parts = [
    `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2.2" stroke-linejoin="round"${dash(index)}/>`,
  ];
  // Marks at one spot (10% and 5% often land on the same threshold) share one dot and one label.
  const spots = new Map<string, { x: number; y: number; labels: string[] }>();
  for (const mark of series.marks ?? []) {
    if (mark.x === null || mark.y === null) continue;
    const x = xPx(mark.x);
    const y = yPx(mark.y);
    const key = `${px(x)},${px(y)}`;
    const spot = spots.get(key) ?? { x, y, labels: [] };
    spot.labels.push(mark.label);
    spots.set(key, spot);
  }
  for (const { x, y, labels } of spots.values()) {
    // Below the dot when it sits on the top edge, so the label stays inside the plot.
    const labelY = y - PLOT.top < 16 ? y + 16 : y - 7;
    const anchor = PLOT.right - x < 160 ? 'end' : 'start';
    parts.push(
      `<circle cx="${px(x)}" cy="${px(y)}" r="4" fill="${colour}"/>`,
      `<text x="${px(anchor === 'end' ? x - 6 : x + 6)}" y="${px(labelY)}" text-anchor="${anchor}" font-size="11" fill="${colour}" ${FONT}>${escapeXml(labels.join('; '))}</text>`,
    );
  }
  return parts;
}

function legend(series: readonly ChartSeries[]): string[] {
  const lineHeight = 20;
  const width = 16 + Math.max(...series.map((s) => s.name.length)) * 7.5 + 40;
  const height = series.length * lineHeight + 12;
  const left = PLOT.right - width - 12;
  const top = PLOT.bottom - height - 12;
  const parts = [
    `<rect x="${px(left)}" y="${px(top)}" width="${px(width)}" height="${height}" fill="#ffffff" fill-opacity="0.9" stroke="#bbbbbb"/>`,
  ];
  series.forEach((s, i) => {
    const y = top + 16 + i * lineHeight;
    const colour = COLOURS[i % COLOURS.length] ?? '#000000';
    parts.push(
      `<line x1="${px(left + 10)}" y1="${px(y)}" x2="${px(left + 40)}" y2="${px(y)}" stroke="${colour}" stroke-width="2.2"${dash(i)}/>`,
      `<text x="${px(left + 48)}" y="${px(y)}" dy="4" font-size="13" ${FONT}>${escapeXml(s.name)}</text>`,
    );
  });
  return parts;
}

/** The chart as an SVG document. */
export function operatingCurveSvg(series: readonly ChartSeries[], text: ChartText): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="28" font-size="18" font-weight="bold" ${FONT}>${escapeXml(text.title)}</text>`,
  ];
  (text.subtitle ?? []).forEach((line, i) => {
    parts.push(
      `<text x="${PLOT.left}" y="${50 + i * 18}" font-size="13" fill="#555555" ${FONT}>${escapeXml(line)}</text>`,
    );
  });
  parts.push(...axes());
  series.forEach((s, i) => parts.push(...seriesPath(s, COLOURS[i % COLOURS.length] ?? '#000000', i)));
  if (series.length > 0) parts.push(...legend(series));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
