// Median and spread of a handful of runs.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

/** Picks a number of decimals that keeps about three significant digits. */
export function digitsFor(value: number): number {
  const abs = Math.abs(value);
  if (abs >= 100) return 0;
  if (abs >= 10) return 1;
  if (abs >= 1) return 2;
  return 3;
}

/** "median (min-max)", or just the value for a single run. */
export function spread(values: readonly number[], digits?: number): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  const mid = median(finite);
  const d = digits ?? digitsFor(mid);
  if (finite.length === 1) return fixed(mid, d);
  return `${fixed(mid, d)} (${fixed(Math.min(...finite), d)}-${fixed(Math.max(...finite), d)})`;
}
