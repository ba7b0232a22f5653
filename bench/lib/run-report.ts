// What the whole-run benchmark hands on: a Markdown table with the targets' ratios beside the
// figures, bench/run-results.json (figures, machine, date, commands) and bench/run-chart.svg
// (time and peak memory against the number of documents), drawn by hand: axes, lines, legend.
import os from 'node:os';
import { FORM_NAMES, FORMS, type Form } from './run-forms.js';

export interface FormResult {
  count: number;
  form: Form;
  runsS: number[];
  medianS: number;
  /** Largest single process (for the CLI, Node itself), the largest of the runs. */
  peakRssMiB: number;
  /** Sum over the process tree, the largest of the runs. */
  treeRssMiB: number;
}

export interface StageResult {
  count: number;
  stage: string;
  runsS: number[];
  medianS: number;
  peakRssMiB: number;
  items: number;
  note: string;
}

export const TARGETS = {
  sftpVsPlainAt10k: 0.5,
  smbVsSftp: 1.3,
  peakRssMiB: 160,
  rss100kVs10k: 1.1,
} as const;

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

function markdown(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function find(results: FormResult[], count: number, form: Form): FormResult | undefined {
  return results.find((r) => r.count === count && r.form === form);
}

export function runsTable(results: FormResult[]): string {
  const counts = [...new Set(results.map((r) => r.count))].sort((a, b) => a - b);
  const rows = counts.map((n) => {
    const [sftp, smb, plain] = FORMS.map((f) => find(results, n, f));
    const ratio = (a?: FormResult, b?: FormResult) => (a && b ? a.medianS / b.medianS : NaN);
    const sp = ratio(sftp, plain);
    const ss = ratio(smb, sftp);
    const rss = Math.max(sftp?.peakRssMiB ?? 0, smb?.peakRssMiB ?? 0);
    return [
      String(n),
      ...[sftp, smb, plain].map((r) => (r ? `${f1(r.medianS)} (${r.runsS.map(f1).join(', ')})` : '-')),
      `${f2(sp)}${n === 10_000 ? ` (≤ ${TARGETS.sftpVsPlainAt10k}: ${mark(sp <= TARGETS.sftpVsPlainAt10k)})` : ''}`,
      `${f2(ss)} (≤ ${TARGETS.smbVsSftp}: ${mark(ss <= TARGETS.smbVsSftp)})`,
      ...[sftp, smb].map((r) => (r ? `${f1(r.peakRssMiB)} / ${f1(r.treeRssMiB)}` : '-')),
      `${f1(rss)} (≤ ${TARGETS.peakRssMiB}: ${mark(rss <= TARGETS.peakRssMiB)})`,
      plain ? `${f1(plain.peakRssMiB)} / ${f1(plain.treeRssMiB)}` : '-',
    ];
  });
  return markdown(
    ['documents', 'SFTP s (runs)', 'SMB s (runs)', 'plain tools s (runs)', 'SFTP / plain', 'SMB / SFTP', 'SFTP RSS MiB (process / tree)', 'SMB RSS MiB (process / tree)', 'CLI peak RSS', 'plain RSS MiB (largest / tree)'],
    rows,
  );
}

/** The 100,000 figure against the 10,000 one, when both were run. */
export function growthLine(results: FormResult[]): string | null {
  const lines = (['sftp', 'smb'] as const).flatMap((form) => {
    const small = find(results, 10_000, form);
    const large = find(results, 100_000, form);
    if (!small || !large) return [];
    const r = large.peakRssMiB / small.peakRssMiB;
    return [`${FORM_NAMES[form]}: peak RSS at 100,000 / at 10,000 = ${f2(r)} (≤ ${TARGETS.rss100kVs10k}: ${mark(r <= TARGETS.rss100kVs10k)})`];
  });
  return lines.length ? lines.join('\n') : null;
}

export function stagesTable(stages: StageResult[]): string {
  const counts = [...new Set(stages.map((s) => s.count))].sort((a, b) => a - b);
  const rows = counts.flatMap((n) => {
    const here = stages.filter((s) => s.count === n);
    const slowest = Math.max(...here.map((s) => s.medianS));
    return here.map((s) => [
      String(n), s.stage, `${f2(s.medianS)}${s.medianS === slowest ? ' (slowest)' : ''}`, s.runsS.map(f2).join(', '), f1(s.peakRssMiB), s.note,
    ]);
  });
  return markdown(['documents', 'stage alone', 's (median)', 'runs s', 'peak RSS MiB', 'what'], rows);
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

const COLOURS: Record<Form, string> = { sftp: '#1f77b4', smb: '#d62728', plain: '#2ca02c' };

/** Two panels (seconds, peak MiB) against documents on a log scale; the plain tools' RSS is its largest process. */
export function chartSvg(results: FormResult[]): string {
  const counts = [...new Set(results.map((r) => r.count))].sort((a, b) => a - b);
  const W = 360;
  const H = 260;
  const M = { left: 56, right: 16, top: 30, bottom: 44 };
  const lo = Math.log10(counts[0] ?? 1);
  const hi = Math.log10(counts.at(-1) ?? 10);
  const x = (n: number) => M.left + (hi === lo ? 0.5 : (Math.log10(n) - lo) / (hi - lo)) * (W - M.left - M.right);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const panel = (dx: number, title: string, value: (r: FormResult) => number, unit: string) => {
    const top = niceMax(Math.max(1, ...results.map(value)));
    const y = (v: number) => H - M.bottom - (v / top) * (H - M.top - M.bottom);
    const out: string[] = [`<g transform="translate(${dx},0)">`, `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      out.push(`<line x1="${M.left - 4}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#ddd"/>`);
      out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
    }
    out.push(`<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#000"/>`);
    out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#000"/>`);
    for (const n of counts) {
      out.push(`<line x1="${x(n)}" y1="${H - M.bottom}" x2="${x(n)}" y2="${H - M.bottom + 4}" stroke="#000"/>`);
      out.push(`<text x="${x(n)}" y="${H - M.bottom + 16}" text-anchor="middle">${n.toLocaleString('en-US')}</text>`);
    }
    out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">documents (log scale)</text>`);
    out.push(`<text transform="translate(14,${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`);
    for (const form of FORMS) {
      const points = counts.flatMap((n) => {
        const r = find(results, n, form);
        return r ? [[x(n), y(value(r))] as const] : [];
      });
      if (points.length > 1) out.push(`<polyline fill="none" stroke="${COLOURS[form]}" stroke-width="2" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
      for (const [a, b] of points) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${COLOURS[form]}"/>`);
    }
    out.push('</g>');
    return out.join('\n');
  };
  const legend = FORMS.map((form, i) => {
    const lx = 60 + i * 200;
    return `<line x1="${lx}" y1="${H + 14}" x2="${lx + 24}" y2="${H + 14}" stroke="${COLOURS[form]}" stroke-width="2"/><text x="${lx + 30}" y="${H + 18}">${esc(FORM_NAMES[form])}</text>`;
  }).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" viewBox="0 0 ${2 * W} ${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(0, 'Whole run: time (median)', (r) => r.medianS, 'seconds'),
    panel(W, 'Whole run: peak RSS', (r) => r.peakRssMiB, 'MiB (largest process)'),
    legend,
    '</svg>',
    '',
  ].join('\n');
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= v * 1.05) return m * step;
  return 10 * step;
}
