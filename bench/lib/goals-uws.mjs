/**
 * Issue 21's goals: ours against uWebSockets.js measured in the same run on the same machine,
 * and the floor against ws-cork (≥ 1.0×) and Socket.IO (≥ 3×) on every such figure. Never
 * asserted anywhere; written into the results and README.
 */

const med = (results, server, scen, key) => results[server]?.[scen]?.[key]?.median ?? null;
const div = (a, b) => (a === null || b === null || b === 0 ? null : a / b);

/**
 * One figure: ours' value, uWS's, and the goal as a ratio (ours/uWS, or for "lower is better"
 * figures ours/uWS too, compared the other way); plus ws-cork and Socket.IO floors.
 * @typedef {{ goal: string, ours: number | null, uws: number | null, ratio: number | null, target: number | null,
 *   lowerIsBetter: boolean, met: boolean | null, vsCork: number | null, vsSio: number | null, floorsMet: boolean | null }} UwsGoal
 */

/**
 * @param {any} results
 * @param {string} scen
 * @param {string} key
 * @param {{ lowerIsBetter: boolean, label: string, target?: number, absolute?: number }} how
 * @returns {UwsGoal}
 */
function figure(results, scen, key, { lowerIsBetter, target, label, absolute }) {
  const ours = med(results, 'ours', scen, key);
  const uws = med(results, 'uws', scen, key);
  const ratio = div(ours, uws);
  const measured = absolute === undefined ? ratio : ours;
  const bound = /** @type {number} */ (absolute ?? target);
  const met = measured === null ? null : lowerIsBetter ? measured <= bound : measured >= bound;
  // Floors as "how many times better than the peer" (>1 is better for both directions).
  const better = (peer) => {
    const p = med(results, peer, scen, key);
    return lowerIsBetter ? div(p, ours) : div(ours, p);
  };
  const vsCork = better('ws-cork');
  const vsSio = better('socket.io');
  const floors = [vsCork === null ? null : vsCork >= 1.0, vsSio === null ? null : vsSio >= 3.0].filter((x) => x !== null);
  const floorsMet = floors.length ? floors.every(Boolean) : null;
  return { goal: label, ours, uws, ratio, target: absolute === undefined ? (target ?? null) : null, lowerIsBetter, met, vsCork, vsSio, floorsMet };
}

/** @returns {UwsGoal[]} */
export function goalsVsUws(results, params, workers = []) {
  const out = [];
  for (const s of params.s3) {
    const k = `S3 ${s.subs}x${s.rate}/s`;
    out.push(figure(results, k, 'p99_ms', { lowerIsBetter: true, target: 2, label: `${k} p99 ms ≤ 2× uWS` }));
  }
  const c = params.s1Counts;
  if (c.length > 1) {
    const [a, b] = [c[c.length - 2], c[c.length - 1]];
    out.push(
      figure(results, 'S1', `rss_kb_per_conn_marginal_${a}_${b}`, {
        lowerIsBetter: true,
        absolute: 2.5,
        label: `S1 RSS KB per added idle connection ${a}→${b} ≤ 2.5`,
      }),
    );
    out.push(
      figure(results, 'S1', `heap_kb_per_conn_marginal_${a}_${b}`, {
        lowerIsBetter: true,
        absolute: 2.5,
        label: `S1 heap KB per added idle connection ${a}→${b} ≤ 2.5`,
      }),
    );
  }
  out.push(
    figure(results, 'S2', 'conn_per_s', { lowerIsBetter: false, target: 0.5, label: `S2 connect storm conn/s (${params.s2Count}, with auth) ≥ 0.5× uWS` }),
  );
  out.push(figure(results, 'S5', 'cpu_us_per_delivery', { lowerIsBetter: true, target: 2, label: 'S5 server CPU µs per delivery ≤ 2× uWS' }));
  for (const s of params.s4) {
    const k = `S4 burst ${s.subs}`;
    out.push(figure(results, k, 'deliveries_per_s', { lowerIsBetter: false, target: 0.5, label: `${k} deliveries/s on one core ≥ 0.5× uWS` }));
  }
  for (const w of workers) {
    for (const s of params.s4) {
      const k = `S4 burst ${s.subs}`;
      const one = med(results, 'ours', `${k} W1`, 'deliveries_per_s') ?? med(results, 'ours', k, 'deliveries_per_s');
      const n = med(results, 'ours', `${k} W${w}`, 'deliveries_per_s');
      const ratio = div(n, one);
      out.push({
        goal: `${k} WORKERS=${w} ≥ ${(0.8 * w).toFixed(1)}× one worker`,
        ours: n,
        uws: null,
        ratio,
        target: 0.8 * w,
        lowerIsBetter: false,
        met: ratio === null ? null : ratio >= 0.8 * w,
        vsCork: null,
        vsSio: null,
        floorsMet: null,
      });
    }
  }
  return out;
}

const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(d));
const yes = (b) => (b === null ? '?' : b ? 'yes' : '**no**');

export function goalsUwsMarkdown(goals) {
  const lines = [
    '| goal | ours | uWS | ours / uWS | met | better than ws-cork × | better than Socket.IO × | floors (≥1× cork, ≥3× SIO) met |',
    '| --- | ---: | ---: | ---: | :---: | ---: | ---: | :---: |',
  ];
  for (const g of goals)
    lines.push(`| ${g.goal} | ${fmt(g.ours)} | ${fmt(g.uws)} | ${fmt(g.ratio)} | ${yes(g.met)} | ${fmt(g.vsCork)} | ${fmt(g.vsSio)} | ${yes(g.floorsMet)} |`);
  return lines.join('\n');
}
