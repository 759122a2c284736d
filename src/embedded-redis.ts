import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { probeRedis } from './checks.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';

/**
 * The embedded default: `npm start` with REDIS_URL unset, nothing answering on
 * 127.0.0.1:6379 and a `redis-server` on the PATH starts a private Redis for the bot (data
 * under EMBEDDED_REDIS_DIR, AOF on, no eviction) and stops it when the bot stops. REDIS_URL
 * set means "use that one": nothing is ever started then.
 */
export const EMBEDDED_PORT = 6379;

export interface EmbeddedRedis {
  pid: number;
  dir: string;
  /** SIGTERM (Redis writes its AOF and exits) and wait until it is gone. */
  stop(): Promise<void>;
}

/** The executable's path, or undefined when it is not on the PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Start the private Redis when the conditions hold; undefined when another Redis is to be used (or none can be started). */
export async function startEmbeddedRedisIfNeeded(config: Pick<Config, 'redisUrlSet' | 'EMBEDDED_REDIS_DIR'>, logger: Logger): Promise<EmbeddedRedis | undefined> {
  if (config.redisUrlSet) return undefined;
  const url = `redis://127.0.0.1:${EMBEDDED_PORT}`;
  if ((await probeRedis(url, 1_000)).ok) return undefined;
  const bin = findExecutable('redis-server');
  if (!bin) return undefined;
  const log = logger.child({ component: 'embedded-redis' });
  const dir = resolve(config.EMBEDDED_REDIS_DIR);
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(EMBEDDED_PORT), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'];
  // its own process group: a Ctrl-C in the terminal reaches the bot, which stops Redis after its own shutdown
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  let exited = false;
  void gone.then(() => (exited = true));
  // a bot that exits any other way (process.exit after a failed check) still takes its Redis along
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  const end = Date.now() + 10_000;
  for (;;) {
    if ((await probeRedis(url, 500)).ok) break;
    if (exited || Date.now() > end) {
      child.kill('SIGKILL');
      process.off('exit', onExit);
      log.warn({ output: output.trim().split('\n').slice(-3).join(' | ') }, `could not start a private Redis (${bin}); see the lines above`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info({ pid: child.pid, dir }, `started a private Redis for the bot on 127.0.0.1:${EMBEDDED_PORT} (data in ${dir}, AOF on); it stops with the bot. Set REDIS_URL to use another one`);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    dir,
    stop() {
      stopping ??= (async () => {
        process.off('exit', onExit);
        if (!exited) child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000).unref())]);
        if (!exited) child.kill('SIGKILL');
        log.info('private Redis stopped');
      })();
      return stopping;
    },
  };
}
