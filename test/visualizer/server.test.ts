/**
 * The visualizer's HTTP side (src/visualizer/server.ts, history.ts) on a real socket: read-only
 * (405 for anything but GET/HEAD), loopback by default, the endpoints, and `/events` delivering a
 * reconcile within 100 ms; the history bounded by entries and bytes.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { GraphExport } from '../../reconciler/export.js';
import { type HistoryEntry, RunHistory } from '../../src/visualizer/history.js';
import { DEFAULT_HTTP_HOST, isLoopback, parseListen, VisualizerServer } from '../../src/visualizer/server.js';
import { captureLogger } from '../pubsub/helpers.js';

const graph = { items: [], edges: [] } as unknown as GraphExport;
const entry = (id: number, extra = ''): HistoryEntry => ({
  id,
  at: new Date(id * 1000).toISOString(),
  reasons: [`r${id}${extra}`],
  durationMs: 1,
  steps: [],
  failed: 0,
  graph,
});

async function serve(t: { after(fn: () => unknown): void }) {
  const history = new RunHistory(3);
  const server = new VisualizerServer(
    { graph: () => graph, history, page: async () => '<!doctype html><title>graph</title>' },
    captureLogger().logger,
  );
  const addr = await server.listen(DEFAULT_HTTP_HOST, 0);
  t.after(() => server.close());
  return { server, history, base: `http://127.0.0.1:${addr.port}`, addr };
}

function call(
  url: string,
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('listen addresses: loopback by default; PORT, HOST:PORT and [v6]:PORT', () => {
  assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:1'), { host: '::1', port: 1 });
  assert.ok('error' in parseListen('65536'));
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0'));
});

test('the endpoints answer GET and HEAD; every other method gets 405', async (t) => {
  const { base, history, addr } = await serve(t);
  assert.equal(addr.address, '127.0.0.1');
  history.add(entry(1));
  const page = await call(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.deepEqual(JSON.parse((await call(`${base}/graph.json`)).body), graph);
  const h = JSON.parse((await call(`${base}/history.json`)).body);
  assert.equal(h.maxEntries, 3);
  assert.deepEqual(
    h.entries.map((e: HistoryEntry) => e.id),
    [1],
  );
  assert.equal((await call(`${base}/nope`)).status, 404);
  assert.equal((await call(`${base}/graph.json`, 'HEAD')).status, 200);
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await call(`${base}/graph.json`, m);
    assert.equal(r.status, 405, m);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
});

test('/events delivers a reconcile within 100 ms', async (t) => {
  const { base, server, history } = await serve(t);
  const got: { at: number; data: string }[] = [];
  const req = request(`${base}/events`, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (/^event: run$/m.test(frame) && data) got.push({ at: performance.now(), data });
        i = buf.indexOf('\n\n');
      }
    });
  });
  req.end();
  t.after(() => req.destroy());
  const until = async (cond: () => boolean) => {
    const end = Date.now() + 2000;
    while (!cond()) {
      assert.ok(Date.now() < end);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await until(() => server.eventClients === 1);
  const sent = performance.now();
  server.broadcast(history.add(entry(7)));
  await until(() => got.length === 1);
  const ms = got[0]!.at - sent;
  t.diagnostic(`reconcile -> event at the client: ${ms.toFixed(2)} ms`);
  assert.ok(ms < 100, `${ms} ms`);
  assert.equal(JSON.parse(got[0]!.data).id, 7);
});

test('the history is bounded by entries and by bytes, the newest always kept', () => {
  const h = new RunHistory(3, 10_000);
  for (let i = 1; i <= 5; i++) h.add(entry(i));
  assert.deepEqual(
    JSON.parse(h.toJson()).entries.map((e: HistoryEntry) => e.id),
    [3, 4, 5],
  );
  const small = new RunHistory(10, 500);
  for (let i = 1; i <= 5; i++) small.add(entry(i, 'x'.repeat(150)));
  assert.ok(small.heldBytes <= 500 || small.size === 1, `${small.heldBytes} bytes in ${small.size}`);
  assert.equal(JSON.parse(small.toJson()).entries.at(-1).id, 5);
  const huge = new RunHistory(10, 10);
  huge.add(entry(1));
  assert.equal(huge.size, 1, 'the newest entry is kept even over the byte bound');
});
