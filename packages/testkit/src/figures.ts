/**
 * Figures a scenario measured (a convergence time, bytes fetched twice, a download's seconds),
 * for the soak report. `pnpm soak` sets `GROUPSHARE_SOAK_REPORT` to a file; each call appends one
 * JSON line `{ scenario, seed, name, value, unit, at }` there. Without the variable (the regular
 * suite) figures are only printed, so a failing run's log still shows them.
 */
import { appendFileSync } from 'node:fs';

export interface Figure {
  scenario: string;
  seed: number;
  name: string;
  value: number;
  unit: string;
}

export function recordFigure(figure: Figure): void {
  console.log(`[figure] ${figure.scenario} seed ${figure.seed}: ${figure.name} = ${figure.value} ${figure.unit}`);
  const file = process.env.GROUPSHARE_SOAK_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ ...figure, at: new Date().toISOString() })}\n`);
}
