/**
 * D-Bus latency through our adapter (DBusConnection: Message + timeout + unwrap):
 *  1. method round trip: Ping(u)→u to a peer process on a private dbus-daemon;
 *  2. signal delivery: the peer emits Tick(t) carrying its CLOCK_MONOTONIC send time
 *     (process.hrtime.bigint(), shared by all processes), measured at our 'signal' event;
 *  3. Properties.Get(Modem, State) against the real ModemManager 1.20 (when root and the kit's
 *     prerequisites are present).
 * Run: node --import tsx bench/dbus-roundtrip.bench.ts   (peer mode: ... --peer ADDRESS)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Message, sessionBus } from '@particle/dbus-next';
import { startPrivateBus } from '../e2e/harness/dbus-daemon.js';
import { missingPrereq } from '../e2e/harness/require.js';
import { DBusConnection, type SignalMessage } from '../src/dbus/index.js';

const WARMUP = 200;
const N = 2000;
const SIGNALS = 1000;

function stats(name: string, samplesUs: number[]): void {
  const s = [...samplesUs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  console.log(
    `${name.padEnd(44)} n=${String(s.length).padStart(5)}  median ${q(0.5).toFixed(0).padStart(5)} µs  p99 ${q(
      0.99,
    )
      .toFixed(0)
      .padStart(5)} µs  max ${(s[s.length - 1] ?? 0).toFixed(0)} µs`,
  );
}

/** The peer: answers Ping, and on Burst(n) emits n Tick signals 2 ms apart. */
async function peer(address: string): Promise<void> {
  const bus = sessionBus({ busAddress: address });
  await bus.requestName('bench.Peer', 0);
  bus.addMethodHandler((msg: Message): boolean => {
    if (msg.interface !== 'bench.Peer') return false;
    if (msg.member === 'Ping') bus.send(Message.newMethodReturn(msg, 'u', [msg.body[0]]));
    if (msg.member === 'Burst') {
      bus.send(Message.newMethodReturn(msg, '', []));
      let left = Number(msg.body[0]);
      const tick = (): void => {
        bus.send(Message.newSignal('/bench', 'bench.Peer', 'Tick', 't', [process.hrtime.bigint()]));
        if (--left > 0) setTimeout(tick, 2);
      };
      tick();
    }
    return true;
  });
  console.log('ready');
  await new Promise(() => {});
}

async function privateBusBench(): Promise<void> {
  const bus = await startPrivateBus();
  let child: ChildProcess | undefined;
  let conn: DBusConnection | undefined;
  try {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--peer', bus.address],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await once(child.stdout as NodeJS.ReadableStream, 'data');
    conn = await DBusConnection.open({ address: bus.address });
    const c = conn;
    const ping = {
      destination: 'bench.Peer',
      path: '/bench',
      interface: 'bench.Peer',
      member: 'Ping',
      signature: 'u',
    };
    const rt: number[] = [];
    for (let i = 0; i < WARMUP + N; i++) {
      const t0 = process.hrtime.bigint();
      await c.call({ ...ping, body: [i] });
      if (i >= WARMUP) rt.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    stats('method round trip (Ping, private bus)', rt);

    const lat: number[] = [];
    const done = new Promise<void>((resolve) => {
      c.on('signal', (m: SignalMessage) => {
        if (m.member !== 'Tick') return;
        const recv = process.hrtime.bigint();
        lat.push(Number(recv - BigInt(m.body[0] as number | string)) / 1000);
        if (lat.length === SIGNALS) resolve();
      });
    });
    await c.addMatch("type='signal',interface='bench.Peer',member='Tick'");
    await c.call({ ...ping, member: 'Burst', body: [SIGNALS] });
    await done;
    stats('signal delivery (Tick, private bus)', lat);
  } finally {
    await conn?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await bus.stop();
  }
}

async function realModemManagerBench(): Promise<void> {
  const why = missingPrereq({
    root: true,
    commands: ['dbus-daemon', 'ModemManager', 'mmcli', 'unshare', 'python3'],
  });
  if (why) {
    console.log(`Properties.Get on real ModemManager: skipped (${why})`);
    return;
  }
  const { RealModemManager } = await import('../e2e/harness/real-mm.js');
  const { ModemManagerClient, modemPaths, IFACE } = await import('../src/modemmanager/index.js');
  const kit = await RealModemManager.start({ mmLogLevel: 'ERR' });
  try {
    const client = await ModemManagerClient.connect({ address: kit.busAddress });
    try {
      const modem = modemPaths(client.snapshot)[0];
      if (!modem) throw new Error('no modem');
      const rt: number[] = [];
      for (let i = 0; i < WARMUP + N; i++) {
        const t0 = process.hrtime.bigint();
        await client.getProperty(modem, IFACE.modem, 'State');
        if (i >= WARMUP) rt.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      stats('method round trip (Properties.Get, real MM)', rt);
    } finally {
      await client.close();
    }
  } finally {
    await kit.stop();
  }
}

if (process.argv[2] === '--peer') {
  await peer(process.argv[3] ?? '');
} else {
  console.log(`node ${process.version}, ${WARMUP} warm-up + ${N} calls, ${SIGNALS} signals 2 ms apart`);
  await privateBusBench();
  await realModemManagerBench();
}
