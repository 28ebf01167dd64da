/** The errors the pubsub module returns to its callers (transport failures are SeqpacketError). */

export type PubsubErrorCode =
  /** agent or topic name unusable, or the socket path too long */
  | 'invalid-address'
  /** key breaks the socketdriver rules (see wire.ts keyProblem) */
  | 'invalid-key'
  /** the value has no JSON form */
  | 'not-json'
  /** the update message would exceed the 65534-byte limit: nothing was sent or written */
  | 'too-large'
  /** another publisher is live on the socket, or the path is not a socket */
  | 'in-use'
  /** the socket could not be bound */
  | 'listen'
  /** the checkpoint file could not be written or removed (subscribers got the change) */
  | 'checkpoint'
  /** the publisher is closed */
  | 'closed';

export class PubsubError extends Error {
  override readonly name = 'PubsubError';
  constructor(
    readonly code: PubsubErrorCode,
    message: string,
    /**
     * True when the module has already logged this error: the caller records it (e.g. in a status)
     * and does not log it again.
     */
    readonly logged: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
