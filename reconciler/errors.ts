/** Typed errors for misuse of the graph API: the library never panics, it throws one of these. */
import type { ItemRef } from './api.js';

export class GraphError extends Error {
  override readonly name: string = 'GraphError';
}

/** An item is malformed: empty type or name, '/' in the type, a spec that is not plain JSON. */
export class InvalidItemError extends GraphError {
  override readonly name = 'InvalidItemError';
}

/** Two dependencies of one item point at the same required item. */
export class DuplicateDependencyError extends GraphError {
  override readonly name = 'DuplicateDependencyError';
  constructor(
    readonly item: ItemRef,
    readonly required: ItemRef,
  ) {
    super(`item ${item.type}/${item.name} has two dependencies on ${required.type}/${required.name}`);
  }
}

/** External items are observations: they cannot depend on anything. */
export class ExternalWithDependenciesError extends GraphError {
  override readonly name = 'ExternalWithDependenciesError';
  constructor(readonly item: ItemRef) {
    super(`external item ${item.type}/${item.name} must not have dependencies`);
  }
}

/** Two different items with the same (type, name) were put into one graph in one edit. */
export class NameCollisionError extends GraphError {
  override readonly name = 'NameCollisionError';
  constructor(readonly item: ItemRef) {
    super(`two different items named ${item.type}/${item.name} in one graph`);
  }
}

/** A cluster path is invalid (empty segment or a '/' in a segment). */
export class InvalidClusterError extends GraphError {
  override readonly name = 'InvalidClusterError';
}

/** The message of anything thrown, for logs and statuses (an Error's message, else its string). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
