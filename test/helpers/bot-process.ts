import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { childEnv, ROOT } from './spawn.js';

/**
 * One real bot process (workers/<entry>.ts, or `npm start`) for fault and shutdown tests:
 * its pino JSON lines as they arrive, its exit, its CPU time. SIGKILL reaches the bot
 * itself because the entry runs as `node --import tsx workers/<entry>.ts` (one process, no
 * tsx wrapper in between), except for `npm start`, which is run as a user runs it.
 */
export interface BotProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON log line (stdout), parsed. */
  readonly lines: Record<string, unknown>[];
  /** stdout and stderr as text, as a user would read them. */
  output(): string;
  /** stderr alone (the bot logs JSON to stdout; anything here is unstructured). */
  stderr(): string;
  find(msg: string | RegExp, extra?: (l: Record<string, unknown>) => boolean): Record<string, unknown>[];
  waitFor(msg: string | RegExp, extra?: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code and signal when the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout and stderr closed: every process of the tree holding them is gone (npm start: npm, sh, tsx, node). */
  readonly closed: Promise<void>;
  isRunning(): boolean;
  /** CPU time (user + system, ms) the process has used so far (Linux /proc). */
  cpuMs(): number;
  signal(sig: NodeJS.Signals): void;
  /** Send a signal to the whole process group (Ctrl-C in a terminal, systemd stopping a service). */
  signalGroup(sig: NodeJS.Signals): void;
  /** SIGKILL (if still running) and wait for the exit. */
  stop(): Promise<void>;
}

export type Entry = 'main' | 'gateway' | 'fast' | 'slow' | 'panel' | 'npm-start';

export function startBot(entry: Entry, env: Record<string, string>): BotProcess {
  // a free port for the panel unless the test picks one: tests run side by side
  const fullEnv = childEnv({ PANEL_PORT: '0', ...env });
  const [cmd, args] = entry === 'npm-start' ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', `workers/${entry}.ts`]];
  // its own process group, so a test can signal the whole tree as a terminal's Ctrl-C does
  const child = spawn(cmd, args as string[], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  let buf = '';
  let running = true;
  child.stdout!.on('data', (d: Buffer) => {
    const s = d.toString('utf8');
    out += s;
    buf += s;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ unparsed: line });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const closed = Promise.all([new Promise((r) => child.stdout!.on('close', r)), new Promise((r) => child.stderr!.on('close', r))]).then(() => undefined);
  // 'exit' can come before the last output has been read: resolve once the output is in too
  // (or 2 s later, if something else holds the pipes open)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      void Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]).then(() => resolve({ code, signal }));
    }),
  );
  const find = (msg: string | RegExp, extra?: (l: Record<string, unknown>) => boolean) =>
    lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg ?? ''))) && (!extra || extra(l)));
  return {
    child,
    pid: child.pid!,
    lines,
    output: () => `${out}\n${err}`,
    stderr: () => err,
    find,
    async waitFor(msg, extra, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = find(msg, extra)[0];
        if (hit) return hit;
        if (Date.now() > until || !running) {
          throw new Error(`${entry} (pid ${child.pid}${running ? '' : ', exited'}): no log line ${String(msg)} within ${timeoutMs} ms; last output:\n${out.slice(-3000)}\n${err.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited,
    closed,
    isRunning: () => running,
    cpuMs() {
      // /proc/<pid>/stat: fields 14 and 15 are utime and stime in clock ticks (100 per second)
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    signal(sig) {
      if (running) child.kill(sig);
    },
    signalGroup(sig) {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // the group is gone
      }
    },
    async stop() {
      // the whole group: npm start leaves tsx and node behind when only npm is killed
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Environment of a bot process pointed at the fakes and one Redis prefix. */
export function botEnv(o: { redisUrl: string; prefix: string; ollama: string; twitchUrl?: string; channel?: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    OLLAMA_HOST: o.ollama,
    LOG_LEVEL: 'debug',
    RETRY_BACKOFF_MS: '200',
    ...(o.twitchUrl
      ? { TWITCH_IRC_URL: o.twitchUrl, TWITCH_CHANNELS: o.channel ?? 'botan_ch', TWITCH_USERNAME: 'botan_bot', TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnopqrstuvwxyz0123' }
      : {}),
    ...o.extra,
  };
}

/**
 * A private redis-server for tests that restart Redis or need a password: never the shared
 * one on 6379, which other tests use. AOF on (as in compose), so a restart keeps the data.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGTERM (Redis flushes the AOF and exits, as `docker compose restart` does), then wait. */
  stop(): Promise<void>;
  /** Start again on the same port and directory. */
  start(): Promise<void>;
  /** Stop for good and delete its directory. */
  dispose(): Promise<void>;
}

export async function startPrivateRedis(opts: { password?: string } = {}): Promise<PrivateRedis> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Redis } = await import('ioredis');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scb-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  if (opts.password) args.push('--requirepass', opts.password);
  let child: ChildProcess | undefined;
  let gone: Promise<void> = Promise.resolve();
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}`;
  async function start(): Promise<void> {
    const c = spawn('redis-server', args, { stdio: 'ignore' });
    child = c;
    gone = new Promise((r) => c.on('exit', () => r()));
    const end = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      if (Date.now() > end) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await start();
  return {
    port,
    url,
    async stop() {
      child?.kill('SIGTERM');
      await gone;
    },
    start,
    async dispose() {
      child?.kill('SIGKILL');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
