// The compose files' contract, checked on what Compose itself resolves (`docker compose config`
// or Debian's `docker-compose config`; without either, a YAML-level merge of the same files).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, parseConfig } from '../../src/config.js';
import { createMetrics } from '../../src/metrics/index.js';
import { createQueues } from '../../src/queues.js';
import { newRedis, uniquePrefix } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_FILES = readdirSync(ROOT).filter((f) => /^docker-compose(\..+)?\.yml$/.test(f));
const BOTS = ['gateway', 'fast', 'slow'] as const;
type Dict = Record<string, unknown>;
interface Service extends Dict {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  deploy?: { replicas?: number | string; resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } };
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: (string | { source?: string; target?: string })[];
  ports?: unknown[];
  networks?: Record<string, { aliases?: string[] } | null>;
}
interface Project {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** What a user's .env looks like: .env.example with the channel and token filled in. */
function userEnv(extra: Record<string, string> = {}): string {
  const filled: Record<string, string> = { TWITCH_CHANNELS: 'botan_ch', TWITCH_USERNAME: 'botan_bot', TWITCH_OAUTH_TOKEN: 'oauth:abcdefghij0123456789', ...extra };
  const example = existsSync(join(ROOT, '.env.example')) ? readFileSync(join(ROOT, '.env.example'), 'utf8') : 'REDIS_URL=redis://127.0.0.1:6379\n';
  const lines = example.split('\n').map((l) => {
    const name = /^([A-Z0-9_]+)=/.exec(l)?.[1];
    return name && name in filled ? `${name}=${filled[name]}` : l;
  });
  const present = new Set(lines.map((l) => /^([A-Z0-9_]+)=/.exec(l)?.[1]));
  return [...lines, ...Object.entries(filled).filter(([k]) => !present.has(k)).map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
}

function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

// --- the YAML-level fallback: the part of Compose's merge and interpolation these files use ---
function interpolate(v: unknown, env: Record<string, string>): unknown {
  if (typeof v === 'string')
    return v.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}/g, (all, name?: string, op?: string, arg?: string) => {
      if (all === '$$') return '$';
      const val = env[name!];
      const unset = op?.startsWith(':') ? !val : val === undefined;
      if (op?.endsWith('?') && unset) throw new Error(`Missing mandatory value for ${name}: ${arg}`);
      return op?.endsWith('-') && unset ? arg! : (val ?? '');
    });
  if (Array.isArray(v)) return v.map((x) => interpolate(x, env));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env)]));
  return v;
}
const CONCAT = new Set(['ports', 'volumes', 'extra_hosts']);
function merge(base: unknown, over: unknown, key = ''): unknown {
  if (Array.isArray(base) && Array.isArray(over)) return CONCAT.has(key) ? [...new Set([...base, ...over])] : over;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Dict = { ...(base as Dict) };
    for (const [k, v] of Object.entries(over as Dict)) out[k] = k in out ? merge(out[k], v, k) : v;
    return out;
  }
  return over;
}
function yamlResolve(dir: string, files: string[], dotenv: Record<string, string>): Project {
  let project: Project = { services: {} };
  for (const f of files) project = merge(project, interpolate(parse(readFileSync(join(dir, f), 'utf8'), { merge: true }), dotenv)) as Project;
  for (const svc of Object.values(project.services)) {
    if (svc.env_file) svc.environment = { ...parseDotEnv(readFileSync(join(dir, String(svc.env_file)), 'utf8')), ...svc.environment };
    for (const k of Object.keys(svc.environment ?? {})) svc.environment![k] = String(svc.environment![k]);
  }
  return project;
}

// --- which Compose is here (COMPOSE_TEST_MODE=yaml forces the fallback) ---
const cli = [
  { cmd: 'docker', pre: ['compose'] },
  { cmd: 'docker-compose', pre: [] },
].find((c) => process.env.COMPOSE_TEST_MODE !== 'yaml' && spawnSync(c.cmd, [...c.pre, 'version'], { encoding: 'utf8' }).status === 0);
const MODE = cli ? `${cli.cmd} ${[...cli.pre, 'config'].join(' ')}` : 'YAML-level merge (no docker compose here)';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Resolve a file combination in a scratch copy of the project, with `dotenv` as its .env. */
function resolve(files: string[], dotenv: string, profiles: string[] = []): Project {
  const dir = mkdtempSync(join(tmpdir(), 'bot-compose-'));
  dirs.push(dir);
  for (const f of [...COMPOSE_FILES, 'Dockerfile']) copyFileSync(join(ROOT, f), join(dir, f));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'certs'));
  copyFileSync(join(ROOT, 'scripts/ollama-pull.sh'), join(dir, 'scripts/ollama-pull.sh'));
  cpSync(join(ROOT, 'monitoring'), join(dir, 'monitoring'), { recursive: true });
  writeFileSync(join(dir, '.env'), dotenv);
  if (!cli) return yamlResolve(dir, files, parseDotEnv(dotenv));
  const r = spawnSync(cli.cmd, [...cli.pre, ...files.flatMap((f) => ['-f', f]), ...profiles.flatMap((p) => ['--profile', p]), 'config'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
  if (r.status !== 0) throw new Error(`compose config failed: ${r.stderr}`);
  return parse(r.stdout) as Project;
}

/** Services that `up` starts: no profile (the overrides switch services off with one). */
function active(p: Project): Record<string, Service> {
  return Object.fromEntries(Object.entries(p.services).filter(([, s]) => !s.profiles?.length));
}
const gpu = (s: Service) => (s.deploy?.resources?.reservations?.devices ?? []).some((d) => d.driver === 'nvidia' && d.capabilities?.includes('gpu'));
/** Compose duration ("20s", "1m30s") in seconds. */
const seconds = (d: string) => [...d.matchAll(/(\d+)(h|m|s)/g)].reduce((t, [, n, u]) => t + Number(n) * { h: 3600, m: 60, s: 1 }[u as 'h' | 'm' | 's'], 0);
const volumeAt = (s: Service, target: string) =>
  (s.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v)).find((v) => v.target === target);
const KNOWN_VARS = new Set([...Object.keys(envSchema.shape), 'NODE_EXTRA_CA_CERTS']);

interface Setup {
  name: string;
  files: string[];
  ollama?: 'ollama' | 'ollama-cpu';
  slowModel: string;
  redisUrl: string;
  ollamaHost: string;
  env?: Record<string, string>;
  slowReplicas?: number;
}
const BASE = 'docker-compose.yml';
const SETUPS: Setup[] = [
  { name: 'GPU box (default)', files: [BASE], ollama: 'ollama', slowModel: 'gpt-oss:120b', redisUrl: 'redis://redis:6379', ollamaHost: 'http://ollama:11434' },
  { name: 'CPU-only box', files: [BASE, 'docker-compose.cpu.yml'], ollama: 'ollama-cpu', slowModel: 'gpt-oss:120b', redisUrl: 'redis://redis:6379', ollamaHost: 'http://ollama:11434' },
  { name: 'small GPU box', files: [BASE, 'docker-compose.small.yml'], ollama: 'ollama', slowModel: 'gpt-oss:20b', redisUrl: 'redis://redis:6379', ollamaHost: 'http://ollama:11434' },
  { name: 'small CPU box', files: [BASE, 'docker-compose.cpu.yml', 'docker-compose.small.yml'], ollama: 'ollama-cpu', slowModel: 'gpt-oss:20b', redisUrl: 'redis://redis:6379', ollamaHost: 'http://ollama:11434' },
  {
    name: 'external Ollama',
    files: [BASE, 'docker-compose.external-ollama.yml'],
    slowModel: 'gpt-oss:120b',
    redisUrl: 'redis://redis:6379',
    ollamaHost: 'http://192.168.1.20:11434',
    env: { OLLAMA_HOST: 'http://192.168.1.20:11434' },
  },
  {
    name: 'multi-host hub',
    files: [BASE, 'docker-compose.hub.yml'],
    ollama: 'ollama',
    slowModel: 'gpt-oss:120b',
    redisUrl: 'redis://:5f3c9a0e@redis:6379',
    ollamaHost: 'http://ollama:11434',
    env: { REDIS_PASSWORD: '5f3c9a0e' },
    slowReplicas: 0,
  },
];

describe(`compose stack, resolved by ${MODE}`, () => {
  describe.each(SETUPS)('$name', (setup) => {
    const dotenv = userEnv(setup.env);
    const project = resolve(setup.files, dotenv);
    const svcs = active(project);
    const envOf = (name: string) => svcs[name]!.environment ?? {};

    it('starts redis, the model puller, the three bot parts and the right Ollama', () => {
      expect(Object.keys(svcs).sort()).toEqual(['fast', 'gateway', 'models', 'redis', 'slow', ...(setup.ollama ? [setup.ollama] : [])].sort());
    });

    it.each(BOTS)('%s runs a real entry point of the build, with its own healthcheck', (bot) => {
      const s = svcs[bot]!;
      expect(s.command).toEqual(['node', `dist/workers/${bot}.js`]);
      expect(existsSync(join(ROOT, `workers/${bot}.ts`))).toBe(true);
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', 'dist/workers/healthcheck.js', bot]);
      expect(existsSync(join(ROOT, 'workers/healthcheck.ts'))).toBe(true);
      expect(s).toMatchObject({ restart: 'unless-stopped', init: true });
      expect(s.container_name).toBeUndefined();
      expect(s.ports ?? []).toEqual([]);
      expect(s.depends_on?.models?.condition).toBe('service_completed_successfully');
      expect(s.depends_on?.redis?.condition).toBe('service_healthy');
    });

    it.each(BOTS)('%s gets a valid configuration: .env through env_file, in-network addresses over it', (bot) => {
      const env = envOf(bot);
      expect(env.TWITCH_CHANNELS).toBe('botan_ch');
      // every name compose sets itself is one the config reads (no typos)
      const fromDotEnv = parseDotEnv(dotenv);
      expect(Object.keys(env).filter((k) => !KNOWN_VARS.has(k) && !(k in fromDotEnv))).toEqual([]);
      const r = parseConfig(env);
      if (!r.ok) throw new Error(r.errors.join('\n'));
      expect(r.config.REDIS_URL).toBe(setup.redisUrl);
      expect([r.config.fastHost, r.config.slowHost]).toEqual([setup.ollamaHost, setup.ollamaHost]);
      expect(r.config.SLOW_MODEL).toBe(setup.slowModel);
      // stopping waits for the graceful shutdown (grace for answers in flight, then closing)
      expect(seconds(String(svcs[bot]!.stop_grace_period))).toBeGreaterThanOrEqual(r.config.SHUTDOWN_GRACE_MS / 1000 + 5);
    });

    it('slow scales (replicas from the file, --scale overrides)', () => {
      expect(Number(svcs.slow!.deploy?.replicas ?? 1)).toBe(setup.slowReplicas ?? 1);
    });

    it('redis persists every second to a named volume, answers its healthcheck, stays off the host by default', () => {
      const r = svcs.redis!;
      expect(String(r.image)).toMatch(/^redis:7\.\d+\.\d+(-alpine)?$/);
      const cmd = (r.command ?? []).join(' ');
      expect(cmd).toContain('--appendonly yes');
      expect(cmd).toContain('--appendfsync everysec');
      const data = volumeAt(r, '/data');
      expect(Object.keys(project.volumes ?? {})).toContain(data?.source);
      expect(r.healthcheck?.test).toBeDefined();
      const published = JSON.stringify(r.ports ?? []);
      if (setup.name === 'multi-host hub') {
        expect(published).toContain('6380'); // TLS only
        expect(published).not.toMatch(/"?6379"?/);
        expect(cmd).toContain('--requirepass 5f3c9a0e');
        expect(cmd).toContain('--tls-port 6380');
      } else expect(r.ports ?? []).toEqual([]);
    });

    it('the model puller pulls exactly the models the bots use, from their Ollama', () => {
      const m = svcs.models!;
      expect(m.entrypoint).toEqual(['/bin/sh', '/scripts/ollama-pull.sh']);
      expect(volumeAt(m, '/scripts/ollama-pull.sh')?.source).toMatch(/scripts\/ollama-pull\.sh$/);
      const env = m.environment ?? {};
      expect(env.OLLAMA_HOST).toBe(setup.ollamaHost);
      const pulled = (env.PULL_MODELS || `${env.FAST_MODEL} ${env.SLOW_MODEL}`).split(/\s+/).sort();
      const bots = new Set(BOTS.filter((b) => Number(svcs[b]!.deploy?.replicas ?? 1) > 0).flatMap((b) => [b === 'slow' ? envOf(b).SLOW_MODEL : envOf(b).FAST_MODEL]));
      expect(pulled).toEqual([...bots].sort());
      expect(m.restart ?? 'no').toBe('no');
    });

    it(setup.ollama ? `${setup.ollama} answers at the bots' address, keeps both models loaded${setup.ollama === 'ollama' ? ', on the GPU' : ', without a GPU'}` : 'has no Ollama service and no GPU reservation', () => {
      if (!setup.ollama) {
        expect(Object.values(svcs).filter(gpu)).toEqual([]);
        return;
      }
      const o = svcs[setup.ollama]!;
      const host = new URL(setup.ollamaHost).hostname;
      expect([setup.ollama, ...(o.networks?.default?.aliases ?? [])]).toContain(host);
      expect(gpu(o)).toBe(setup.ollama === 'ollama');
      expect(Object.entries(svcs).filter(([, s]) => gpu(s)).map(([n]) => n)).toEqual(setup.ollama === 'ollama' ? ['ollama'] : []);
      const fast = parseConfig(envOf('fast'));
      expect(o.environment).toMatchObject({ OLLAMA_MAX_LOADED_MODELS: '2', OLLAMA_NUM_PARALLEL: String(fast.ok && fast.config.FAST_CONCURRENCY) });
      expect(['24h', '-1']).toContain(o.environment?.OLLAMA_KEEP_ALIVE);
      expect(envOf('slow').OLLAMA_KEEP_ALIVE).toBe(o.environment?.OLLAMA_KEEP_ALIVE);
      expect(Object.keys(project.volumes ?? {})).toContain(volumeAt(o, '/root/.ollama')?.source);
      expect(o.healthcheck?.test).toEqual(['CMD', 'ollama', 'list']);
    });
  });

  describe('slow-worker host (docker-compose.slow-worker.yml)', () => {
    const HUB = 'rediss://:5f3c9a0e@hub.example.net:6380';
    const files = ['docker-compose.slow-worker.yml'];

    it('runs only slow workers, with their own GPU Ollama, against the hub Redis from .env', () => {
      const svcs = active(resolve(files, userEnv({ REDIS_URL: HUB, NODE_EXTRA_CA_CERTS: '/app/certs/ca.crt' })));
      expect(Object.keys(svcs).sort()).toEqual(['models', 'ollama', 'slow']);
      const slow = svcs.slow!;
      expect(slow.command).toEqual(['node', 'dist/workers/slow.js']);
      expect(slow.healthcheck?.test).toEqual(['CMD', 'node', 'dist/workers/healthcheck.js', 'slow']);
      expect(slow.depends_on?.models?.condition).toBe('service_completed_successfully');
      const r = parseConfig(slow.environment ?? {});
      if (!r.ok) throw new Error(r.errors.join('\n'));
      expect(r.config.REDIS_URL).toBe(HUB);
      expect(r.config.slowHost).toBe('http://ollama:11434');
      expect(volumeAt(slow, '/app/certs')).toBeDefined();
      expect(gpu(svcs.ollama!)).toBe(true);
      expect(svcs.models!.environment?.PULL_MODELS).toBe(r.config.SLOW_MODEL);
    });

    it('refuses to start without REDIS_URL, saying what to set', () => {
      const env = userEnv().replace(/^REDIS_URL=.*$/m, 'REDIS_URL=');
      expect(() => resolve(files, env)).toThrow(/REDIS_URL/);
    });
  });

  it('the external-Ollama file refuses to start without OLLAMA_HOST', () => {
    const env = userEnv().replace(/^OLLAMA_HOST=.*$/m, 'OLLAMA_HOST=');
    expect(() => resolve([BASE, 'docker-compose.external-ollama.yml'], env)).toThrow(/OLLAMA_HOST/);
  });

  describe('monitoring profile (docker compose --profile monitoring up)', () => {
    const project = resolve([BASE], userEnv(), ['monitoring']);
    const svcs = project.services;
    const bindSource = (s: Service, target: string) => String(volumeAt(s, target)?.source ?? '');

    it('adds Prometheus and Grafana only under the profile; `up` alone starts neither', () => {
      expect(svcs.prometheus?.profiles).toEqual(['monitoring']);
      expect(svcs.grafana?.profiles).toEqual(['monitoring']);
      expect(Object.keys(active(project))).not.toContain('prometheus');
      expect(String(svcs.prometheus!.image)).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
      expect(String(svcs.grafana!.image)).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    });

    it('Prometheus scrapes every bot service on the port its /metrics listens on', () => {
      const file = bindSource(svcs.prometheus!, '/etc/prometheus/prometheus.yml');
      expect(file).toMatch(/monitoring\/prometheus\.yml$/);
      const config = parse(readFileSync(join(ROOT, 'monitoring/prometheus.yml'), 'utf8')) as { scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[] };
      const sd = config.scrape_configs.flatMap((c) => c.dns_sd_configs);
      expect(sd.flatMap((d) => d.names).sort()).toEqual([...BOTS].sort());
      for (const bot of BOTS) {
        const r = parseConfig(svcs[bot]!.environment ?? {});
        if (!r.ok) throw new Error(r.errors.join('\n'));
        expect(r.config.METRICS_PORT, bot).toBe(sd[0]!.port);
        expect(r.config.METRICS_HOST, bot).toBe('0.0.0.0');
        // inside the compose network only
        expect(svcs[bot]!.ports ?? []).toEqual([]);
      }
    });

    it('Grafana gets the Prometheus data source and the dashboard provisioned, published on loopback only', () => {
      const g = svcs.grafana!;
      expect(bindSource(g, '/etc/grafana/provisioning')).toMatch(/monitoring\/grafana\/provisioning$/);
      expect(bindSource(g, '/var/lib/grafana/dashboards')).toMatch(/monitoring\/grafana\/dashboards$/);
      const ds = parse(readFileSync(join(ROOT, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; url: string }[] };
      expect(ds.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
      const provider = parse(readFileSync(join(ROOT, 'monitoring/grafana/provisioning/dashboards/bot.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
      expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
      expect(JSON.stringify(g.ports)).toContain('127.0.0.1');
    });

    it('the dashboard queries only metrics the bot exports', async () => {
      const dash = JSON.parse(readFileSync(join(ROOT, 'monitoring/grafana/dashboards/stream-comment-bot.json'), 'utf8')) as { uid: string; panels: { targets: { expr: string; datasource: { uid: string } }[] }[] };
      const exprs = dash.panels.flatMap((p) => p.targets);
      expect(exprs.length).toBeGreaterThan(10);
      for (const t of exprs) expect(t.datasource.uid).toBe('prometheus');
      const used = new Set(exprs.flatMap((t) => t.expr.match(/\bbot_[a-z0-9_]+/g) ?? []));
      // the names a bot process exports (its registry, on real Redis queues)
      const redis = newRedis();
      const queues = createQueues(redis, uniquePrefix('compose'));
      const m = createMetrics({ queues, redis, roles: ['fast'] });
      const families = await m.registry.getMetricsAsJSON();
      await queues.close();
      redis.disconnect();
      const exported = new Set(families.flatMap((f) => (String(f.type) === 'histogram' ? [f.name, `${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
      expect([...used].filter((n) => !exported.has(n))).toEqual([]);
    });
  });
});
