// `npm run build` must produce every file the Docker image runs, and the compiled healthcheck
// must work laid out as in the image (/app/package.json, /app/node_modules, /app/dist).
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { heartbeatKey } from '../../src/heartbeat.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** `dist/…js` paths named on the Dockerfile's CMD and HEALTHCHECK lines (continuations joined). */
function dockerfileEntryPoints(): string[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const lines = joined.split('\n').filter((l) => /^\s*(CMD|HEALTHCHECK|ENTRYPOINT)\b/.test(l));
  return [...new Set(lines.flatMap((l) => l.match(/dist\/[\w./-]+\.js/g) ?? []))];
}

/** `dist/…js` paths in every compose file's commands and healthchecks. */
function composeEntryPoints(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(ROOT).filter((f) => /^docker-compose(\..+)?\.yml$/.test(f))) {
    const doc = parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as { services?: Record<string, { command?: unknown; healthcheck?: { test?: unknown } }> };
    for (const svc of Object.values(doc.services ?? {})) {
      for (const part of [svc?.command, svc?.healthcheck?.test].flat()) {
        if (typeof part === 'string' && /^dist\/.+\.js$/.test(part)) found.add(part);
      }
    }
  }
  return [...found];
}

/** What a Dockerfile stage COPYs from the build context (not `--from` another stage). */
function stageCopies(stage: string): string[] {
  const body = new RegExp(`^FROM \\S+ AS ${stage}\\s*$([\\s\\S]*?)(?=^FROM |$(?![\\s\\S]))`, 'm').exec(dockerfile)?.[1] ?? '';
  return [...body.matchAll(/^COPY (?!--)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
}

function copyIn(from: string, to: string, paths: string[]): void {
  for (const p of paths) cpSync(join(from, p), join(to, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

// The two stages, replayed in scratch directories: `build` sees only what the Dockerfile copies
// into it and runs `npm run build`; `out` is the runtime image's /app.
let buildDir = '';
let out = '';
let build: { status: number | null; output: string };
beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'bot-build-stage-'));
  copyIn(ROOT, buildDir, stageCopies('build'));
  const npm = spawnSync('npm', ['run', '--silent', 'build'], { cwd: buildDir, encoding: 'utf8' });
  build = { status: npm.status, output: `${npm.stdout}${npm.stderr}` };
  out = mkdtempSync(join(tmpdir(), 'bot-runtime-stage-'));
  copyIn(ROOT, out, stageCopies('runtime'));
  if (existsSync(join(buildDir, 'dist'))) cpSync(join(buildDir, 'dist'), join(out, 'dist'), { recursive: true });
}, 240_000);
afterAll(() => {
  for (const d of [buildDir, out]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('npm run build output (what the Docker image runs)', () => {
  it('compiles without errors (a type error fails `docker build`)', () => {
    expect(build.output).toBe('');
    expect(build.status).toBe(0);
  });

  it.each(['dist/workers/main.js', 'dist/workers/gateway.js', 'dist/workers/fast.js', 'dist/workers/slow.js', 'dist/workers/healthcheck.js'])('emits %s', (file) => {
    expect(existsSync(join(out, file))).toBe(true);
  });

  it('emits every entry point the Dockerfile and the compose files run', () => {
    const wanted = [...dockerfileEntryPoints(), ...composeEntryPoints()];
    expect(wanted).toEqual(expect.arrayContaining(['dist/workers/main.js', 'dist/workers/healthcheck.js', 'dist/workers/gateway.js', 'dist/workers/fast.js', 'dist/workers/slow.js']));
    expect(wanted.filter((f) => !existsSync(join(out, f)))).toEqual([]);
  });

  it('builds from the Dockerfile\'s own copies and ships only production files', () => {
    expect(stageCopies('build')).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'workers']));
    expect(stageCopies('runtime').sort()).toEqual(['bin', 'characters', 'package-lock.json', 'package.json']);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
  });

  it('runs bin/botctl.js from the image layout (no src/: it loads the compiled CLI)', () => {
    const r = spawnSync(process.execPath, ['bin/botctl.js', '--help'], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 });
    expect(existsSync(join(out, 'src'))).toBe(false);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module|SyntaxError/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/botctl/);
  });

  it('imports only production dependencies (the image installs with --omit=dev)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const files = (readdirSync(join(out, 'dist'), { recursive: true }) as string[]).filter((f) => /^(src|workers)\/.*\.js$/.test(f.replace(/\\/g, '/')));
    expect(files.length).toBeGreaterThan(10);
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const f of files) {
      const js = readFileSync(join(out, 'dist', f), 'utf8');
      for (const m of js.matchAll(/^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        seen.add(name);
        if (!(name in pkg.dependencies)) missing.add(`${name} (${f})`);
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['bullmq', 'ioredis', 'zod', 'pino']));
    expect([...missing]).toEqual([]);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = [...stageCopies('build'), ...stageCopies('runtime')];
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'workers', 'bin', 'characters']));
    expect(sources.filter((s) => !existsSync(join(ROOT, s)))).toEqual([]);
    expect(sources.filter((s) => ignored.includes(s))).toEqual([]);
    for (const secret of ['.env', 'node_modules', 'dist', '.git', 'certs']) expect(ignored).toContain(secret);
  });

  it('runs the compiled healthcheck from the image layout against real Redis', async () => {
    const prefix = uniquePrefix('build');
    const run = () =>
      new Promise<number>((resolve) => {
        execFile(process.execPath, ['dist/workers/healthcheck.js', 'fast'], { cwd: out, env: { PATH: process.env.PATH ?? '', REDIS_URL, REDIS_PREFIX: prefix, NODE_ENV: 'production' }, timeout: 20_000 }, (err) =>
          resolve(err ? Number(err.code ?? 1) : 0),
        );
      });
    const redis = newRedis();
    try {
      expect(await run()).toBe(1);
      await redis.set(heartbeatKey(prefix, 'fast', hostname(), 77), '{}', 'EX', 15);
      expect(await run()).toBe(0);
    } finally {
      redis.disconnect();
      await dropPrefix(prefix);
    }
  });
});
