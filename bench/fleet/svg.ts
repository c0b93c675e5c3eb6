/** Small hand-rolled SVG charts for the benchmark report (no dependencies). */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

const palette = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#17becf',
  '#7f7f7f',
];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice)
    out.push(Number(v.toPrecision(6)));
  return out;
}

const label = (v: number) =>
  Math.abs(v) >= 1000 ? `${v / 1000}k` : Number.isInteger(v) ? String(v) : v.toPrecision(2);

/** A line chart with one line per series; `logY` plots the y axis in decades. */
export function lineChart(o: {
  title: string;
  x: string;
  y: string;
  series: readonly Series[];
  logY?: boolean;
}): string {
  const W = 640;
  const H = 380;
  const m = { l: 64, r: 190, t: 36, b: 48 };
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0 || !o.logY);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [o.logY ? Math.min(...ys) : 0, Math.max(...ys)];
  if (o.logY) [y0, y1] = [10 ** Math.floor(Math.log10(y0)), 10 ** Math.ceil(Math.log10(y1))];
  const fy = (v: number) => (o.logY ? Math.log10(v) : v);
  const px = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((fy(v) - fy(y0)) / (fy(y1) - fy(y0) || 1)) * (H - m.t - m.b);
  const parts: string[] = [];
  for (const t of ticks(y0, y1, o.logY === true)) {
    if (t < y0 || t > y1) continue;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${py(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  for (const t of ticks(x0, x1, false)) {
    parts.push(`<text x="${px(t)}" y="${H - m.b + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = palette[i % palette.length];
    const d = s.points
      .filter((p) => !o.logY || p[1] > 0)
      .map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    const ly = m.t + 8 + i * 18;
    parts.push(
      `<line x1="${W - m.r + 12}" x2="${W - m.r + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    parts.push(`<text x="${W - m.r + 38}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  return frame(W, H, o.title, o.x, o.y, m, parts);
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly sd?: number;
  readonly highlight?: boolean;
}

/** A horizontal bar chart, with an optional vertical reference line (a floor). */
export function barChart(o: {
  title: string;
  x: string;
  bars: readonly Bar[];
  reference?: { value: number; label: string };
  logX?: boolean;
}): string {
  const W = 640;
  const rowH = 22;
  const m = { l: 250, r: 70, t: 36, b: 44 };
  const H = m.t + m.b + o.bars.length * rowH;
  const values = o.bars.map((b) => b.value + (b.sd ?? 0)).filter(Number.isFinite);
  const hi = Math.max(...values, o.reference?.value ?? 0) * 1.05;
  const lo = o.logX
    ? 10 **
      Math.floor(
        Math.log10(
          Math.min(
            ...o.bars.map((b) => b.value).filter((v) => v > 0),
            o.reference?.value ?? Number.POSITIVE_INFINITY,
          ),
        ),
      )
    : 0;
  const top = o.logX ? 10 ** Math.ceil(Math.log10(hi)) : hi;
  const f = (v: number) => (o.logX ? Math.log10(Math.max(v, lo)) : v);
  const px = (v: number) => m.l + ((f(v) - f(lo)) / (f(top) - f(lo) || 1)) * (W - m.l - m.r);
  const parts: string[] = [];
  for (const t of ticks(lo || 0, top, o.logX === true)) {
    if (t < lo || t > top) continue;
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t)}" y="${H - m.b + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  o.bars.forEach((b, i) => {
    const y = m.t + i * rowH + 4;
    const v = Number.isFinite(b.value) ? b.value : 0;
    parts.push(`<text x="${m.l - 6}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(
      `<rect x="${m.l}" y="${y}" width="${Math.max(0, px(v) - m.l).toFixed(1)}" height="${rowH - 8}" fill="${b.highlight ? '#d62728' : '#1f77b4'}"/>`,
    );
    if (b.sd && Number.isFinite(b.sd)) {
      parts.push(
        `<line x1="${px(Math.max(lo, v - b.sd))}" x2="${px(v + b.sd)}" y1="${y + 7}" y2="${y + 7}" stroke="#333"/>`,
      );
    }
    parts.push(
      `<text x="${px(v) + 4}" y="${y + 12}">${Number.isFinite(b.value) ? b.value.toFixed(2) : '–'}</text>`,
    );
  });
  if (o.reference) {
    const x = px(o.reference.value);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${m.t - 6}" y2="${H - m.b}" stroke="#2ca02c" stroke-dasharray="4,3" stroke-width="2"/>`,
    );
    parts.push(
      `<text x="${x + 4}" y="${m.t - 10}" fill="#2ca02c">${esc(o.reference.label)}</text>`,
    );
  }
  return frame(W, H, o.title, o.x, '', m, parts);
}

function frame(
  W: number,
  H: number,
  title: string,
  x: string,
  y: string,
  m: { l: number; r: number; t: number; b: number },
  parts: string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    ...parts,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(x)}</text>`,
    y
      ? `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(y)}</text>`
      : '',
    '</svg>',
    '',
  ].join('\n');
}
