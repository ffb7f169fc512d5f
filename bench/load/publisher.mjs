/**
 * A publisher process (`--publishers N` > 1): publishes its share of S3's open-loop stream or
 * S4's closed-loop burst, so one Node process's HTTP client does not cap the offered load. Event
 * i of the whole stream goes to publisher i mod N; each stamps metadata.t at its due time.
 * Commands over IPC: {cmd:'rate', port, headers, rate, seconds, index, of} and {cmd:'burst',
 * port, headers, total, concurrency, index, of}; both reply {ok, failed, seconds}.
 */
import { publishAtRate, publishBurst } from '../lib/publishing.mjs';
import { createPublisher } from '../lib/proc.mjs';

const reply = (id, body) => process.send?.({ id, ...body });

process.on('message', async (/** @type {any} */ m) => {
  if (m?.cmd === 'exit') {
    reply(m.id, {});
    setTimeout(() => process.exit(0), 20);
    return;
  }
  const pub = createPublisher({ port: m.port, headers: m.headers });
  try {
    const share = { index: m.index, of: m.of };
    if (m.cmd === 'rate') reply(m.id, await publishAtRate(pub, m.rate, m.seconds, share));
    else if (m.cmd === 'burst') reply(m.id, await publishBurst(pub, m.total, m.concurrency, share));
    else reply(m.id, { error: `unknown command ${m.cmd}` });
  } finally {
    pub.close();
  }
});
process.on('disconnect', () => process.exit(0));
