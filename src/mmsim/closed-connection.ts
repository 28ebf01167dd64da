/**
 * Messages the simulator sends after its bus connection broke are dropped, as the kernel drops
 * what a real ModemManager writes to a socket whose peer is gone.
 *
 * dbus-next throws "Cannot send message, stream is closed" from `send()` once the socket is no
 * longer writable, and a method handler's reply is sent from inside the library's dispatcher
 * (`result.then(sendReply).catch(handleError)`, where handleError sends again): nobody can catch
 * that throw, so it ends the process as an unhandled rejection. The library swaps its own
 * `message()` for a harmless one on a clean 'end', but not when the socket is reset or destroyed
 * (dbus-daemon killed while we write: the demo's Ctrl-C reaches the whole process group).
 */
import type dbus from '@particle/dbus-next';

interface Connection {
  message(msg: unknown): void;
  stream: { writable: boolean };
}

/** Call once the bus has emitted 'connect' (the library replaces `message` at that point). */
export function dropMessagesAfterClose(bus: dbus.MessageBus): void {
  const conn = (bus as unknown as { _connection: Connection })._connection;
  const send = conn.message.bind(conn);
  conn.message = (msg) => {
    if (conn.stream.writable) send(msg);
  };
}
