/** Markdown table, goal ratios and the hand-built SVG latency chart. */

const fmt = (x) => {
  if (x === null || x === undefined) return '–';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
};

/** "median (min–max)" for several runs, the value for one. */
export function cell(metric) {
  if (metric === undefined) return '–';
  if ('value' in metric) return String(metric.value ?? '–');
  const m = fmt(metric.median);
  if (metric.runs.length <= 1 || metric.min === metric.max) return m;
  return `${m} (${fmt(metric.min)}–${fmt(metric.max)})`;
}

/** The rows of the main table: [label, scenario key, metric key]. */
export function tableRows(params, workers = []) {
  /** @type {Array<[label: string, scenario: string, key: string]>} */
  const rows = [];
  for (const n of params.s1Counts) rows.push([`S1 idle RSS KB/conn @${n}`, 'S1', `rss_kb_per_conn_${n}`]);
  for (let i = 1; i < params.s1Counts.length; i++) {
    const [a, b] = [params.s1Counts[i - 1], params.s1Counts[i]];
    rows.push([`S1 idle RSS KB/conn marginal ${a}→${b}`, 'S1', `rss_kb_per_conn_marginal_${a}_${b}`]);
  }
  for (const n of params.s1Counts) rows.push([`S1 idle heap KB/conn @${n}`, 'S1', `heap_kb_per_conn_${n}`]);
  rows.push([`S2 connect storm conn/s (${params.s2Count})`, 'S2', 'conn_per_s']);
  rows.push([`S2 server CPU µs per connect`, 'S2', 'cpu_us_per_conn']);
  rows.push([`S2 failed connects`, 'S2', 'failed']);
  for (const s of params.s3) {
    const key = `S3 ${s.subs}x${s.rate}/s`;
    rows.push(
      [`${key} p50 ms`, key, 'p50_ms'],
      [`${key} p99 ms`, key, 'p99_ms'],
      [`${key} max ms`, key, 'max_ms'],
      [`${key} warm-up max ms (first ${params.s3WarmSeconds} s of a fresh server, not in the rows above)`, key, 'warmup_max_ms'],
      [`${key} loss`, key, 'loss'],
      [`${key} server busy / waiting for CPU`, key, 'server_sched'],
      [`${key} client busy / waiting for CPU`, key, 'client_sched'],
      [`${key} server event-loop delay p99 / max ms`, key, 'loop_delay'],
      [`${key} server GC pauses: count (major) / longest ms / total ms`, key, 'gc'],
      [`${key} placement`, key, 'placement'],
    );
  }
  for (const s of params.s4) {
    const key = `S4 burst ${s.subs}`;
    rows.push(
      [`${key} deliveries/s`, key, 'deliveries_per_s'],
      [`${key} server CPU µs/delivery`, key, 'cpu_us_per_delivery'],
      [`${key} of which user mode µs/delivery`, key, 'cpu_user_us_per_delivery'],
      [`${key} of which kernel µs/delivery`, key, 'cpu_sys_us_per_delivery'],
      [`${key} publishes/s`, key, 'publish_per_s'],
      [`${key} loss`, key, 'loss'],
      [`${key} server busy / waiting for CPU`, key, 'server_sched'],
      [`${key} client busy / waiting for CPU`, key, 'client_sched'],
      [`${key} placement`, key, 'placement'],
    );
  }
  // --workers: ours with WORKERS=N, each row with where it ran (the machine's cores, the pinning).
  for (const w of workers) {
    for (const s of params.s3) {
      const key = `S3 ${s.subs}x${s.rate}/s W${w}`;
      rows.push([`${key} p50 ms`, key, 'p50_ms'], [`${key} p99 ms`, key, 'p99_ms'], [`${key} loss`, key, 'loss'], [`${key} placement`, key, 'placement']);
    }
    for (const s of params.s4) {
      const key = `S4 burst ${s.subs} W${w}`;
      rows.push(
        [`${key} deliveries/s`, key, 'deliveries_per_s'],
        [`${key} server CPU µs/delivery (all processes)`, key, 'cpu_us_per_delivery'],
        [`${key} loss`, key, 'loss'],
        [`${key} placement`, key, 'placement'],
      );
    }
  }
  rows.push(
    [`S5 ${params.s5Topics} topics x${params.s5PerTopic} deliveries/s`, 'S5', 'deliveries_per_s'],
    [`S5 server CPU µs/delivery`, 'S5', 'cpu_us_per_delivery'],
    [`S5 of which user mode µs/delivery`, 'S5', 'cpu_user_us_per_delivery'],
    [`S5 of which kernel µs/delivery`, 'S5', 'cpu_sys_us_per_delivery'],
    [`S5 p99 ms`, 'S5', 'p99_ms'],
    ['S5 note', 'S5', 'note'],
  );
  rows.push(
    [
      `S6 healthy p99, all reading ms (${params.s6Subs} subs, ${params.s6Rate}/s, ~${Math.round(params.s6PadBytes / 1000)} KB events)`,
      'S6',
      'healthy_p99_before_ms',
    ],
    [`S6 healthy p99 with 1% more never reading ms`, 'S6', 'healthy_p99_during_ms'],
    [`S6 healthy loss`, 'S6', 'healthy_loss'],
    [`S6 server RSS growth MB (peak)`, 'S6', 'rss_growth_mb'],
    [`S6 slow closed by server`, 'S6', 'slow_closed_by_server'],
    [`S6 close codes seen`, 'S6', 'slow_close_codes'],
  );
  rows.push(
    [`S7 all live ms (${params.s7Subs})`, 'S7', 'all_live_ms'],
    [`S7 all caught up ms`, 'S7', 'all_caught_up_ms'],
    [`S7 caught up`, 'S7', 'caught_up'],
    [`S7 failed`, 'S7', 'failed'],
  );
  const j = params.s8;
  const sec = (ms) => ms.map((x) => x / 1000).join('–');
  rows.push(
    [
      `S8 jitter delivery % per client, min (${j.clients} clients, ${j.rate}/s, dropped every ${sec(j.dropEveryMs)} s for ${sec(j.offlineMs)} s)`,
      'S8',
      'delivery_min_pct',
    ],
    [`S8 delivery % per client, mean`, 'S8', 'delivery_mean_pct'],
    [`S8 clients that lost events`, 'S8', 'clients_with_loss'],
    [`S8 duplicates`, 'S8', 'duplicates'],
    [`S8 out of order`, 'S8', 'out_of_order'],
    [`S8 replay p50 ms (reconnect → caught up)`, 'S8', 'replay_p50_ms'],
    [`S8 replay p99 ms`, 'S8', 'replay_p99_ms'],
    [`S8 replay max ms`, 'S8', 'replay_max_ms'],
    [`S8 replay split p50 / p99 ms: dial → 101 · 101 → caught up`, 'S8', 'replay_split'],
    [`S8 drops`, 'S8', 'drops'],
    [`S8 failed reconnects (why: socket error or close code)`, 'S8', 'failed_why'],
    [`S8 server event-loop delay p99 / max ms`, 'S8', 'loop_delay'],
    [`S8 load generator event-loop delay p99 / max ms (worst process)`, 'S8', 'client_loop'],
    [`S8 server GC pauses: count (major) / longest ms / total ms`, 'S8', 'gc'],
    [`S8 settle ms: last publish answered → every client back and holding every event (recovering servers)`, 'S8', 'settle_ms'],
  );
  const d = params.s9;
  rows.push(
    [`S9 rolling deploy: events lost, client × event (${d.clients} clients via HAProxy, ${d.instances} instances, ${d.rate}/s)`, 'S9', 'lost'],
    [`S9 lost events: publish index ×clients that missed it`, 'S9', 'lost_events'],
    [`S9 duplicated`, 'S9', 'duplicated'],
    [`S9 clients never back`, 'S9', 'never_back'],
    [`S9 downtime per client p50 ms`, 'S9', 'downtime_p50_ms'],
    [`S9 downtime per client p99 ms`, 'S9', 'downtime_p99_ms'],
    [`S9 downtime per client max ms`, 'S9', 'downtime_max_ms'],
    [`S9 publishes refused during the deploy`, 'S9', 'publish_failed'],
    [`S9 failed reconnects (why)`, 'S9', 'failed_why'],
    [`S9 load generator event-loop delay p99 / max ms (worst process)`, 'S9', 'client_loop'],
    [`S9 cluster`, 'S9', 'cluster'],
    [`S9 settle ms: last publish answered → every client back and holding every event (recovering servers)`, 'S9', 'settle_ms'],
    ['S9 note', 'S9', 'note'],
  );
  return rows;
}

/** "p99 / max" of the figures `<prefix>_p99_ms` and `<prefix>_max_ms` (medians), or – without them. */
function p99AndMax(r, prefix) {
  const p = r[`${prefix}_p99_ms`]?.median;
  return p === undefined ? '–' : `${fmt(p)} / ${fmt(r[`${prefix}_max_ms`]?.median)}`;
}

export function markdownTable(results, servers, params, workers = []) {
  const lines = [];
  lines.push(`| metric | ${servers.join(' | ')} |`);
  lines.push(`| --- | ${servers.map(() => '---:').join(' | ')} |`);
  for (const [label, scen, key] of tableRows(params, workers)) {
    const cells = servers.map((s) => {
      const r = results[s]?.[scen];
      if (r === undefined) return '–';
      if (r.error) return key === tableRows(params).find((x) => x[1] === scen)?.[2] ? `error: ${r.error.value}` : '–';
      if (key === 'loop_delay') return p99AndMax(r, 'loop_delay');
      if (key === 'client_loop') return p99AndMax(r, 'client_loop_delay');
      if (key === 'failed_why') {
        const n = r.failed_reconnects?.median;
        if (n === undefined) return '–';
        const why = r.failed_reconnect_causes?.value;
        return n === 0 || why === undefined ? fmt(n) : `${fmt(n)} (${why})`;
      }
      if (key === 'gc') {
        const n = r.gc_count?.median;
        return n === undefined ? '–' : `${fmt(n)} (${fmt(r.gc_major?.median)}) / ${fmt(r.gc_max_ms?.median)} / ${fmt(r.gc_total_ms?.median)}`;
      }
      if (key === 'placement') {
        const v = (k) => r[k]?.median ?? r[k]?.value;
        if (v('machine_cores') === undefined) return '–';
        return `${v('machine_cores')} cores; server CPU ${v('server_cpus')}, WORKERS=${v('workers')}; load CPU ${v('load_cpus')}, ${v('publishers')} pub`;
      }
      if (key === 'server_sched' || key === 'client_sched') {
        const who = key.split('_')[0];
        const b = r[`${who}_busy`]?.median;
        const w = r[`${who}_cpu_wait`]?.median;
        return b === undefined || b === null ? '–' : `${Math.round(b * 100)}% / ${Math.round((w ?? 0) * 100)}%`;
      }
      return cell(r[key]);
    });
    if (cells.every((c) => c === '–')) continue;
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

const med = (results, server, scen, key) => results[server]?.[scen]?.[key]?.median ?? null;

/** Ours against the issue's goals, as ratios. */
export function goalRatios(results, params) {
  /** @type {Array<{ goal: string, ratio: number | null, target?: number, higherIsBetter?: boolean, value?: number | null, met?: boolean | null }>} */
  const out = [];
  const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b);
  for (const s of params.s4) {
    const key = `S4 burst ${s.subs}`;
    const ours = med(results, 'ours', key, 'deliveries_per_s');
    out.push({
      goal: `${key}: ours ≥ 1.0× ws-raw deliveries/s`,
      ratio: ratio(ours, med(results, 'ws-raw', key, 'deliveries_per_s')),
      target: 1.0,
      higherIsBetter: true,
    });
    out.push({
      goal: `${key}: ours ≥ 0.8× ws-cork deliveries/s`,
      ratio: ratio(ours, med(results, 'ws-cork', key, 'deliveries_per_s')),
      target: 0.8,
      higherIsBetter: true,
    });
    out.push({
      goal: `${key}: ours ≥ 3× Socket.IO deliveries/s`,
      ratio: ratio(ours, med(results, 'socket.io', key, 'deliveries_per_s')),
      target: 3.0,
      higherIsBetter: true,
    });
    // The same goals by server CPU per delivery (capacity = 1 / µs per delivery): holds when the
    // client side or other processes limit deliveries/s.
    const cpu = med(results, 'ours', key, 'cpu_us_per_delivery');
    const cap = (peer) => ratio(med(results, peer, key, 'cpu_us_per_delivery'), cpu);
    out.push({ goal: `${key}: by CPU/delivery, ours ≥ 1.0× ws-raw capacity`, ratio: cap('ws-raw'), target: 1.0, higherIsBetter: true });
    out.push({ goal: `${key}: by CPU/delivery, ours ≥ 0.8× ws-cork capacity`, ratio: cap('ws-cork'), target: 0.8, higherIsBetter: true });
    out.push({ goal: `${key}: by CPU/delivery, ours ≥ 3× Socket.IO capacity`, ratio: cap('socket.io'), target: 3.0, higherIsBetter: true });
  }
  const maxN = params.s1Counts[params.s1Counts.length - 1];
  const rss = med(results, 'ours', 'S1', `rss_kb_per_conn_${maxN}`);
  out.push({
    goal: `S1 @${maxN}: ours ≤ 8 KB RSS per idle connection (over the empty server)`,
    value: rss,
    ratio: rss === null ? null : rss / 8,
    target: 1.0,
    higherIsBetter: false,
  });
  if (params.s1Counts.length > 1) {
    const a = params.s1Counts[params.s1Counts.length - 2];
    const marginal = med(results, 'ours', 'S1', `rss_kb_per_conn_marginal_${a}_${maxN}`);
    out.push({
      goal: `S1 ${a}→${maxN}: ours ≤ 8 KB RSS per added idle connection`,
      value: marginal,
      ratio: marginal === null ? null : marginal / 8,
      target: 1.0,
      higherIsBetter: false,
    });
  }
  const big = params.s3[params.s3.length - 1];
  const key = `S3 ${big.subs}x${big.rate}/s`;
  const p99 = med(results, 'ours', key, 'p99_ms');
  out.push({ goal: `${key}: ours p99 ≤ ws-raw p99`, ratio: ratio(p99, med(results, 'ws-raw', key, 'p99_ms')), target: 1.0, higherIsBetter: false });
  const loss = med(results, 'ours', key, 'loss');
  out.push({ goal: `${key}: ours loses nothing`, value: loss, ratio: null, met: loss === null ? null : loss === 0 });
  for (const g of out) {
    if (g.met === undefined)
      g.met = g.ratio === null ? null : g.higherIsBetter ? g.ratio >= /** @type {number} */ (g.target) : g.ratio <= /** @type {number} */ (g.target);
  }
  return out;
}

export function goalsMarkdown(goals) {
  const lines = ['| goal | measured | met |', '| --- | ---: | :---: |'];
  for (const g of goals) {
    const measured =
      g.ratio !== null && g.ratio !== undefined
        ? `${g.ratio.toFixed(2)}×${g.value !== undefined && g.value !== null ? ` (${fmt(g.value)})` : ''}`
        : fmt(g.value);
    lines.push(`| ${g.goal} | ${measured} | ${g.met === null ? '?' : g.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

/** Sanity rule: every server topping out at the same figure means the client was measured. */
export function sanityFlags(results, servers, params) {
  const flags = [];
  for (const s of params.s4) {
    const key = `S4 burst ${s.subs}`;
    const vals = servers.map((sv) => med(results, sv, key, 'deliveries_per_s')).filter((v) => v !== null);
    if (vals.length >= 3) {
      const lo = Math.min(...vals);
      const hi = Math.max(...vals);
      if (hi / lo < 1.15)
        flags.push(`${key}: every server within 15% (${fmt(lo)}–${fmt(hi)} deliveries/s): the load generator, not the servers, was probably measured.`);
    }
    const idle = servers.filter((sv) => (med(results, sv, key, 'server_busy') ?? 1) < 0.6);
    if (idle.length > 0) {
      flags.push(
        `${key}: the server's main thread was on CPU less than 60% of the burst for ${idle.join(', ')}: their deliveries/s are bounded by the client, the publisher or other processes; compare CPU µs/delivery instead.`,
      );
    }
  }
  const contended = [];
  for (const sv of servers) {
    for (const [scen, r] of Object.entries(results[sv] ?? {})) {
      const w = Math.max(r.server_cpu_wait?.median ?? 0, r.client_cpu_wait?.median ?? 0);
      if (w >= 0.1) contended.push(`${sv} ${scen} (${Math.round(w * 100)}%)`);
    }
  }
  if (contended.length > 0) {
    flags.push(
      `Other processes took the pinned cores: the server or the load generator spent ≥10% of wall time runnable but waiting for a CPU in ${contended.join(', ')}. Those figures are noisy; rerun on a quiet machine.`,
    );
  }
  return flags;
}

const COLORS = {
  ours: '#d62728',
  'ours-sse': '#e377c2',
  'ws-raw': '#1f77b4',
  'ws-cork': '#2ca02c',
  'socket.io': '#9467bd',
  'socket.io-csr': '#8c564b',
  uws: '#ff7f0e',
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One panel per S3 load: latency (log scale) at p50, p90, p99, p99.9, max, a line per server. */
export function latencySvg(results, servers, params, title) {
  const pcts = [
    ['p50', 'p50_ms'],
    ['p90', 'p90_ms'],
    ['p99', 'p99_ms'],
    ['p99.9', 'p999_ms'],
    ['max', 'max_ms'],
  ];
  const panelW = 420;
  const panelH = 300;
  const m = { l: 60, r: 20, t: 40, b: 40 };
  const panels = params.s3.map((s) => `S3 ${s.subs}x${s.rate}/s`);
  const width = panels.length * panelW + 150;
  const height = panelH + 30;
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  panels.forEach((key, pi) => {
    const x0 = pi * panelW;
    const values = [];
    for (const sv of servers)
      for (const [, k] of pcts) {
        const v = med(results, sv, key, k);
        if (v !== null && v > 0) values.push(v);
      }
    const lo = values.length ? Math.max(0.01, Math.min(...values)) : 0.1;
    const hi = values.length ? Math.max(...values) : 10;
    const logLo = Math.floor(Math.log10(lo));
    const logHi = Math.max(logLo + 1, Math.ceil(Math.log10(hi)));
    const plotW = panelW - m.l - m.r;
    const plotH = panelH - m.t - m.b;
    const xAt = (i) => x0 + m.l + (i * plotW) / (pcts.length - 1);
    const yAt = (v) => m.t + 20 + plotH - ((Math.log10(Math.max(v, 10 ** logLo)) - logLo) / (logHi - logLo)) * plotH;
    parts.push(`<text x="${x0 + m.l}" y="${m.t + 5}" font-weight="bold">${esc(key)} (ms, log scale)</text>`);
    for (let e = logLo; e <= logHi; e++) {
      const y = yAt(10 ** e);
      parts.push(`<line x1="${x0 + m.l}" x2="${x0 + m.l + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
      parts.push(`<text x="${x0 + m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(10 ** e >= 1 ? String(10 ** e) : (10 ** e).toFixed(-e))}</text>`);
    }
    pcts.forEach(([label], i) => parts.push(`<text x="${xAt(i).toFixed(1)}" y="${m.t + 20 + plotH + 18}" text-anchor="middle">${esc(label)}</text>`));
    for (const sv of servers) {
      const pts = [];
      pcts.forEach(([, k], i) => {
        const v = med(results, sv, key, k);
        if (v !== null && v > 0) pts.push([xAt(i), yAt(v)]);
      });
      if (pts.length === 0) continue;
      const color = COLORS[sv] ?? '#333';
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of pts) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  servers.forEach((sv, i) => {
    const y = 60 + i * 20;
    const x = panels.length * panelW + 10;
    parts.push(`<rect x="${x}" y="${y - 10}" width="14" height="10" fill="${COLORS[sv] ?? '#333'}"/>`);
    parts.push(`<text x="${x + 20}" y="${y}">${esc(sv)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
