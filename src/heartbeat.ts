import { hostname } from 'node:os';

/** Roles a process can run; `npm start` runs all three. */
export type Role = 'gateway' | 'fast' | 'slow';

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
