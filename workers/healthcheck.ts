// Container health: `node dist/workers/healthcheck.js [role...]` exits 0 when every named role
// has a live heartbeat in Redis from this host (in Docker: this container), 1 otherwise.
// Roles: gateway, fast, slow, or all (= the three, as main.js runs them); none given: BOT_ROLE,
// else all. A process refreshes its heartbeat every 5 s (15 s TTL) only while its Redis
// connection and its worker are alive, so a missing key means the process is stuck or gone.
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { loadDotEnv, parseConfig } from '../src/config.js';
import { heartbeatPattern, type Role } from '../src/heartbeat.js';
import { ROUTE_NAMES } from '../src/llm/routes.js';
import { maskUrl } from '../src/log.js';

const ROLES: readonly Role[] = ['gateway', ...ROUTE_NAMES];
const TIMEOUT_MS = 4_000;

function unhealthy(why: string): never {
  process.stdout.write(`unhealthy: ${why}\n`);
  process.exit(1);
}

function rolesFrom(args: string[]): Role[] {
  const named = args.length > 0 ? args : (process.env.BOT_ROLE ?? 'all').split(/[\s,]+/).filter(Boolean);
  const roles = new Set<Role>();
  for (const name of named) {
    if (name === 'all' || name === 'main') ROLES.forEach((r) => roles.add(r));
    else if ((ROLES as readonly string[]).includes(name)) roles.add(name as Role);
    else unhealthy(`unknown role "${name}" (use ${ROLES.join(', ')} or all)`);
  }
  return [...(roles.size ? roles : ROLES)];
}

/** First live heartbeat key of `role` from `host`, or undefined. */
async function findBeat(redis: Redis, prefix: string, role: Role, host: string): Promise<string | undefined> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', heartbeatPattern(prefix, role, host), 'COUNT', 1000);
    if (keys.length > 0) return keys[0];
    cursor = next;
  } while (cursor !== '0');
  return undefined;
}

const roles = rolesFrom(process.argv.slice(2));
loadDotEnv();
const parsed = parseConfig(process.env);
if (!parsed.ok) unhealthy(`invalid configuration: ${parsed.errors.join('; ')}`);
const { REDIS_URL, REDIS_PREFIX } = parsed.config;
const host = hostname();

setTimeout(() => unhealthy(`no answer from Redis at ${maskUrl(REDIS_URL)} within ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();
const redis = new Redis(REDIS_URL, {
  lazyConnect: true,
  connectTimeout: TIMEOUT_MS - 1_000,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => null,
});
let socketError: Error | undefined;
redis.on('error', (err: Error) => (socketError ??= err)); // the cause; connect() only says "closed"

try {
  await redis.connect();
} catch (err) {
  unhealthy(`cannot reach Redis at ${maskUrl(REDIS_URL)}: ${(socketError ?? (err as Error)).message}`);
}
try {
  const missing: Role[] = [];
  for (const role of roles) if (!(await findBeat(redis, REDIS_PREFIX, role, host))) missing.push(role);
  if (missing.length > 0) unhealthy(`no heartbeat from ${missing.join(', ')} on ${host} in the last 15 s`);
  process.stdout.write(`healthy: ${roles.join(', ')} on ${host}\n`);
} catch (err) {
  unhealthy(`Redis at ${maskUrl(REDIS_URL)} refused the check: ${(err as Error).message}`);
} finally {
  redis.disconnect();
}
