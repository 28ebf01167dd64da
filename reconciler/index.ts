/** The generic reconciler: public API. See README.md for the model. */
export * from './api.js';
export {
  type ApplyEvent,
  type ApplyOptions,
  type ApplyResult,
  apply,
  applyEdits,
  type CurrentEdit,
  type StepOutcome,
  TimeoutError,
} from './apply.js';
export { Backoff, type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.js';
export { canonicalJson, deepFreeze } from './canonical.js';
export {
  Controller,
  type ControllerEvent,
  type ControllerOptions,
  type ControllerState,
  type Logger,
  type RunRecord,
} from './controller.js';
export { type DampingInfo, type DampingOptions, FlapDamper } from './damping.js';
export { type DeadlineOptions, type TimerClock, withDeadline } from './deadline.js';
export * from './errors.js';
export {
  dotString,
  type ExportedEdge,
  type ExportedItem,
  type ExportOptions,
  type ExportState,
  exportGraph,
  type GraphExport,
  toDot,
} from './export.js';
export { type FormatOptions, formatPlan, pointerGet, summaryLine } from './format.js';
export {
  type Cluster,
  type ClusterPath,
  changedKeys,
  editGraph,
  emptyGraph,
  findCycles,
  type Graph,
  type GraphEditor,
  type GraphNode,
  getNode,
  graphOf,
  sortedNodes,
  syncGraph,
} from './graph.js';
export { contentKey, formatRef, type ItemInit, item, keyOf, refFromKey, refOf, sameContent } from './item.js';
export { type Hold, isEmptyPlan, type PlanOptions, plan } from './plan.js';
export { nextRetryAt, nextStatuses } from './retry.js';
