/** Child helper for harness.test.ts: prints the interface names this process's namespace has. */
import { createNetlinkAdapter } from '../../src/netlink/adapter.js';

const nl = createNetlinkAdapter();
try {
  process.stdout.write(JSON.stringify((await nl.listLinks()).map((l) => l.name).sort()));
} finally {
  nl.close();
}
