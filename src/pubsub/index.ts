/** EVE pubsub socketdriver transport: see README.md beside this file. */
export { PubsubError, type PubsubErrorCode } from './errors.js';
export { checkpointDir, socketPath, type TopicAddress } from './paths.js';
export { Publisher, type PublisherOptions } from './publisher.js';
export { SeqpacketError } from './seqpacket.js';
export {
  type DropKind,
  defaultSubscriberBackoff,
  Subscriber,
  type SubscriberOptions,
  type SubscriberStats,
} from './subscriber.js';
export { MAX_SEND } from './wire.js';
