import type { ChatAdapter } from './port.js';

/** An adapter that starts and stops a helper (a stream info reader) with itself. */
export function withSidecar(adapter: ChatAdapter, sidecar: { start(): void; close(): void }): ChatAdapter {
  return Object.assign(Object.create(adapter) as ChatAdapter, {
    async start(...args: Parameters<ChatAdapter['start']>) {
      sidecar.start();
      await adapter.start(...args);
    },
    async close() {
      sidecar.close();
      await adapter.close();
    },
  });
}
