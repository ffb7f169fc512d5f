/** Small statistics helpers. */

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Per metric across runs: {median, min, max, runs}. Non-numeric values keep the last run's. */
export function aggregate(runs) {
  const out = {};
  const keys = new Set(runs.flatMap((r) => Object.keys(r ?? {})));
  for (const k of keys) {
    const values = runs.map((r) => r?.[k]);
    const nums = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
    if (nums.length > 0) out[k] = { median: median(nums), min: Math.min(...nums), max: Math.max(...nums), runs: values };
    else out[k] = { value: values[values.length - 1], runs: values };
  }
  return out;
}
