import { hostname } from 'node:os';

import type { RouteName } from './llm/routes.js';

/** Roles a process can run: the gateway and one per model route (src/llm/routes.ts); `npm start` runs them all. */
export type Role = 'gateway' | RouteName;

export const HEARTBEAT_EVERY_MS = 5_000;
export const HEARTBEAT_TTL_S = 15;

/** `<prefix>:heartbeat:<role>:<host>:<pid>`: present while that process's Redis link and worker are alive. */
export function heartbeatKey(prefix: string, role: Role, host = hostname(), pid = process.pid): string {
  return `${prefix}:heartbeat:${role}:${host}:${pid}`;
}

export interface HeartbeatValue {
  role: Role;
  host: string;
  pid: number;
  startedAt: number;
  at: number;
}

/** Pattern for SCAN over every live process of a role (or all roles with '*'). */
export function heartbeatPattern(prefix: string, role: Role | '*' = '*', host = '*'): string {
  return `${prefix}:heartbeat:${role}:${host}:*`;
}
