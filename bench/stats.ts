export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Rounds in alternating order (A B C, then C B A, …) so no target always runs first or last. */
export function alternatingOrder<T>(targets: readonly T[], rounds: number): T[] {
  const order: T[] = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? targets : [...targets].reverse()));
  return order;
}
