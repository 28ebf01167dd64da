/** A small hand-made export: two modems, one item outside clusters, each colour and action once. */
import type { ExportedItem, GraphExport } from '../../reconciler/export.js';

const item = (p: Partial<ExportedItem> & Pick<ExportedItem, 'id' | 'type' | 'name'>): ExportedItem => ({
  label: p.name,
  path: [],
  external: false,
  desired: null,
  current: null,
  state: 'in-sync',
  ...p,
});

export function smallGraph(): GraphExport {
  return {
    schemaVersion: 1,
    name: 'wwan',
    clusters: [
      { id: 'modem1', path: ['modem1'], description: 'modem 1' },
      { id: 'unmanaged:123', path: ['unmanaged:123'], description: 'unmanaged' },
    ],
    items: [
      item({
        id: 'dns/global',
        type: 'dns',
        name: 'global',
        desired: { servers: [] },
        current: { servers: [] },
      }),
      item({
        id: 'radio/modem1',
        type: 'radio',
        name: 'modem1',
        path: ['modem1'],
        desired: { on: true },
        current: { on: true },
      }),
      item({
        id: 'bearer/modem1',
        type: 'bearer',
        name: 'modem1',
        path: ['modem1'],
        desired: { apn: 'internet', user: 'a' },
        current: { apn: 'old', user: 'a' },
        state: 'to-modify',
        steps: [
          {
            id: 's1',
            op: 'modify',
            reason: { kind: 'changed', detail: 'apn changed', fields: ['apn'] },
            after: [],
          },
        ],
      }),
      item({
        id: 'connection/modem1',
        type: 'connection',
        name: 'modem1',
        path: ['modem1'],
        desired: { up: true },
        current: null,
        state: 'failed',
        status: {
          state: 'failed',
          lastError: 'Connect: <script>alert(1)</script> timed out',
          attempts: 3,
          nextAttemptAt: Date.UTC(2030, 0, 1),
          updatedAt: 0,
        },
      }),
      item({
        id: 'radio/123',
        type: 'radio',
        name: '123',
        path: ['unmanaged:123'],
        external: true,
        current: { on: false },
        state: 'observed',
      }),
    ],
    edges: [
      { from: 'bearer/modem1', to: 'radio/modem1', description: 'radio on', satisfied: true },
      {
        from: 'connection/modem1',
        to: 'bearer/modem1',
        description: 'bearer registered',
        predicate: { name: 'registered' },
        satisfied: false,
      },
    ],
    cycles: [],
    summary: { create: 0, modify: 1, recreate: 0, delete: 0, pending: 0, failed: 1 },
  };
}
