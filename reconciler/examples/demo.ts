/**
 * A runnable tour of the reconciler with toy items (a link, its addresses, a route, a DNS file) and
 * configurators that only print. Shows: first plan and apply; an MTU change that is one modify; a
 * change that forces a recreate and cascades; a failure retried with backoff; the graph as DOT.
 * Run: node --import tsx reconciler/examples/demo.ts
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Configurator,
  Controller,
  exportGraph,
  formatPlan,
  type Item,
  item,
  syncGraph,
  toDot,
} from '../index.js';

const say = (s: string) => process.stdout.write(`${s}\n`);
let failRouteOnce = false;
const printing = (type: string): Configurator => ({
  async create(it) {
    if (type === 'route' && failRouteOnce) {
      failRouteOnce = false;
      throw new Error('EHOSTUNREACH (simulated)');
    }
    say(`    create ${type}/${it.name} ${JSON.stringify(it.spec)}`);
  },
  async modify(o, n) {
    say(`    modify ${type}/${n.name} ${JSON.stringify(o.spec)} -> ${JSON.stringify(n.spec)}`);
  },
  async delete(it) {
    say(`    delete ${type}/${it.name}`);
  },
  needsRecreate: (o, n) =>
    type === 'link' && (o.spec as { kind: string }).kind !== (n.spec as { kind: string }).kind
      ? 'link kind changed'
      : false,
});

function desired(mtu: number, kind: string, gw: string): Item[] {
  const link = { type: 'link', name: 'net0' };
  return [
    item({ type: 'link', name: 'net0', spec: { mtu, kind, up: true } }),
    item({
      type: 'address',
      name: 'net0/10.0.0.2',
      spec: { ip: '10.0.0.2', prefix: 24 },
      deps: [{ ref: link, predicate: { name: 'isUp' }, description: 'an address needs its link up' }],
    }),
    item({
      type: 'route',
      name: 'net0/default',
      spec: { gateway: gw, metric: 100 },
      deps: [
        { ref: link, description: 'a route needs its link' },
        {
          ref: { type: 'address', name: 'net0/10.0.0.2' },
          description: 'the gateway is reached through the address',
        },
      ],
    }),
    item({
      type: 'dns',
      name: 'net0',
      spec: { servers: ['10.0.0.53'] },
      deps: [{ ref: link, description: 'DNS of the link' }],
    }),
  ];
}

const c = new Controller({
  name: 'demo',
  configurators: {
    link: printing('link'),
    address: printing('address'),
    route: printing('route'),
    dns: printing('dns'),
  },
  predicates: { isUp: (s) => (s as { up?: boolean }).up === true },
  backoff: { baseMs: 200, factor: 2, maxMs: 2000, jitter: 0.1 },
});
c.on((e) => {
  if (e.type === 'run-started' && e.plan.steps.length > 0) {
    say(`\n  run ${e.id} (${e.reasons.join('; ')}):`);
    say(formatPlan(e.plan, c.state().current, { color: process.stdout.isTTY }).replace(/^(?=.)/gm, '    '));
  }
});
const step = async (title: string, items: Item[]) => {
  say(`\n== ${title}`);
  c.setDesired(syncGraph(c.state().desired, items), title);
  await c.idle();
};

await step('first desired state', desired(1500, 'tun', '10.0.0.1'));
await step('MTU 1500 -> 1400: one modify, nothing else', desired(1400, 'tun', '10.0.0.1'));
failRouteOnce = true;
await step(
  'link kind tun -> veth: recreate cascades (the route fails once)',
  desired(1400, 'veth', '10.0.0.1'),
);
say(
  `\n== waiting for the retry (backoff ${c.state().nextRetryAt !== undefined ? `${c.state().nextRetryAt! - Date.now()} ms` : 'none'})`,
);
await new Promise((r) => setTimeout(r, 400));
await c.idle();
const dotFile = join(tmpdir(), 'reconciler-demo.dot');
writeFileSync(
  dotFile,
  toDot(exportGraph(c.state().current, c.state().desired, { statuses: c.state().statuses })),
);
say(`\nIn sync: ${c.preview().steps.length === 0}. Graph as DOT: ${dotFile} (render: dot -Tsvg ${dotFile})`);
await c.stop();
