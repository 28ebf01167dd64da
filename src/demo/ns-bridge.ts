/**
 * The namespace end of the demo's visualizer: run inside the demo's network namespace, it accepts
 * connections on a unix socket (a path, reachable from any namespace) and passes each one to the
 * agent's visualizer on the namespace's loopback. Exits when its stdin closes, so it cannot outlive
 * the demo.
 *
 * Usage: node ns-bridge.ts SOCKET_PATH PORT
 */
import { createConnection, createServer } from 'node:net';

const [path, port] = process.argv.slice(2);
if (!path || !port) {
  process.stderr.write('usage: ns-bridge SOCKET_PATH PORT\n');
  process.exit(2);
}
const server = createServer((client) => {
  const agent = createConnection({ host: '127.0.0.1', port: Number(port) });
  client.pipe(agent).pipe(client);
  client.on('error', () => agent.destroy());
  agent.on('error', () => client.destroy());
});
server.listen(path, () => process.stdout.write('ready\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
