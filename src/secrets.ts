/**
 * Every configuration variable that holds a credential, in one place: the core ones below and
 * each registered platform's (its descriptor's `secrets`). Logs redact them (`config.<VAR>`,
 * src/log.ts) and no reply may contain them (`secretValues`, the reply filter's input).
 * test/unit/platform-secrets.test.ts fails when one is missed.
 */
import type { Env } from './config.js';
import type { SecretVar } from './platforms/descriptor.js';
import { PLATFORM_LIST } from './platforms/registry.js';

/** The password in REDIS_URL (redis://user:password@host), decoded; never to be posted. */
function redisPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** Credentials that belong to no platform. */
const CORE_SECRETS: readonly SecretVar[] = [{ name: 'REDIS_URL', values: (v) => [redisPassword(v)] }, { name: 'PANEL_TOKEN' }, { name: 'OVERLAY_TOKEN' }];

/** Every secret variable: the core ones, then each platform's in registration order. */
export const SECRET_VARS: readonly SecretVar[] = [...CORE_SECRETS, ...PLATFORM_LIST.flatMap((p) => p.secrets)];

/** Shorter values would match ordinary words in a reply. */
const MIN_SECRET_LENGTH = 6;

/** The strings no reply may contain, from the configuration's secret variables that are set. */
export function secretValues(config: Partial<Env>): string[] {
  const out: string[] = [];
  for (const v of SECRET_VARS) {
    const value = config[v.name];
    if (typeof value !== 'string' || value === '') continue;
    for (const s of v.values ? v.values(value) : [value]) if (s && s.length >= MIN_SECRET_LENGTH) out.push(s);
  }
  return out;
}

/** pino redact paths for a logged configuration object (`log.info({ config })`). */
export function configRedactPaths(): string[] {
  return SECRET_VARS.map((v) => `config.${v.name}`);
}
