import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { envSchema } from '../../src/config.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command of the project as a user would (npm start, node bin/botctl.js …). */
export function run(cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; keepStdinOpenMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-3000)}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.write(opts.input);
    if (opts.keepStdinOpenMs) setTimeout(() => child.stdin.end(), opts.keepStdinOpenMs);
    else child.stdin.end();
  });
}

/**
 * A variable of the bot: every one the config reads (envSchema), the platform and Ollama
 * families (OLLAMA_MODELS, OLLAMA_NUM_PARALLEL are read outside the config) and BOT_ROLE.
 */
function isBotVar(name: string): boolean {
  return Object.hasOwn(envSchema.shape, name) || /^(TWITCH|YOUTUBE|GOOGLE|OLLAMA)_/.test(name) || name === 'BOT_ROLE';
}

/**
 * Overrides for a child's environment: every bot variable of this shell cleared (undefined),
 * then `extra`, so a developer's shell does not leak into a test or a benchmark. Merge over
 * process.env and drop the undefined ones (`run` does; `childEnv` gives the merged result).
 */
export function cleanEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (isBotVar(k)) env[k] = undefined;
  return { ...env, ...extra };
}

/** process.env without the bot's variables, plus `extra`: a whole environment for spawn(). */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...cleanEnv(extra) })) if (v !== undefined) env[k] = v;
  return env;
}
