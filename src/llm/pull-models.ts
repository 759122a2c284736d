import type { Config } from '../config.js';
import { hasModel } from './preflight.js';
import { MODEL_ROUTES } from './routes.js';
import { formatBytes, formatProgress, freeBytes, isLocalHost, KNOWN_MODEL_BYTES, ollamaModelsDir, pullModel, PullError, type PullProgress } from './pull.js';

export interface ModelOnHost {
  host: string;
  model: string;
}

/** Every route's model (FAST_MODEL, SLOW_MODEL) on its host, each once. */
export function configuredModels(config: Config): ModelOnHost[] {
  const all = MODEL_ROUTES.map((r) => ({ host: r.host(config), model: r.model(config) }));
  return all.filter((m, i) => all.findIndex((n) => n.host === m.host && n.model === m.model) === i);
}

async function listModels(host: string): Promise<string[]> {
  const res = await fetch(`${host}/api/tags`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return ((await res.json()) as { models?: { name: string }[] }).models?.map((m) => m.name) ?? [];
}

export interface PullModelsOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  retryDelayMs?: number;
}

/**
 * `npm run models`: pull every missing model with a progress bar each (size, speed, time
 * left), after checking that a local Ollama's disk has room. Returns true when all are there.
 */
export async function pullModels(models: readonly ModelOnHost[], o: PullModelsOptions): Promise<boolean> {
  const say = (line: string) => o.out.write(`${line}\n`);
  const missing: ModelOnHost[] = [];
  for (const host of new Set(models.map((m) => m.host))) {
    let present: string[];
    try {
      present = await listModels(host);
    } catch (err) {
      say(`✗ no Ollama answers at ${host} (${(err as Error).message}): start it with \`ollama serve\`, or set OLLAMA_HOST to where it runs`);
      return false;
    }
    for (const m of models.filter((x) => x.host === host)) {
      if (hasModel(present, m.model)) say(`✓ ${m.model} is already on ${host} (to update it: ollama pull ${m.model})`);
      else missing.push(m);
    }
  }
  if (missing.length === 0) return true;

  // the disk check, before anything is downloaded: only a local Ollama's disk can be seen from here
  const dir = ollamaModelsDir(o.env);
  const local = missing.filter((m) => isLocalHost(m.host));
  const free = local.length ? freeBytes(dir) : 0;
  const known = local.reduce((n, m) => n + (KNOWN_MODEL_BYTES[m.model] ?? 0), 0);
  if (local.length) {
    say(`Disk: ${formatBytes(free)} free in ${dir}${known ? `; ${local.map((m) => `${m.model} needs ${KNOWN_MODEL_BYTES[m.model] ? formatBytes(KNOWN_MODEL_BYTES[m.model]!) : 'a size Ollama will report'}`).join(', ')}` : ''}`);
    if (known > free) {
      say(`✗ not enough disk space: ${formatBytes(known)} needed, ${formatBytes(free)} free in ${dir}. Free some space, or set OLLAMA_MODELS (for Ollama and for this command) to a bigger disk`);
      return false;
    }
  }
  if (missing.some((m) => !isLocalHost(m.host))) say(`(the disk of ${missing.filter((m) => !isLocalHost(m.host)).map((m) => m.host).join(', ')} cannot be checked from here; Ollama stops if it runs out)`);

  let usedSoFar = 0;
  for (const m of missing) {
    const render = renderer(o.out);
    try {
      await pullModel({
        host: m.host,
        model: m.model,
        retryDelayMs: o.retryDelayMs,
        onProgress: render.update,
        onRetry: (err, attempt, delayMs) => render.note(`${m.model}: ${err.message}; resuming in ${Math.round(delayMs / 1000)} s (try ${attempt + 1})`),
        checkTotal: (total, already) => {
          if (!isLocalHost(m.host)) return;
          const need = total - already;
          if (need > free - usedSoFar) throw new PullError(`not enough disk space for ${m.model}: ${formatBytes(need)} still to download, ${formatBytes(Math.max(0, free - usedSoFar))} free in ${dir}`, true);
          usedSoFar += need;
        },
      });
      render.done(`✓ ${m.model} pulled`);
    } catch (err) {
      render.done(`✗ ${(err as Error).message}`);
      if (!(err instanceof PullError) || !err.permanent) say(`  Run npm run models again: Ollama keeps what it downloaded and resumes from there.`);
      return false;
    }
  }
  return true;
}

/** One progress line per model: redrawn in place in a terminal; in a pipe a line every 10% and on each new step. */
function renderer(out: NodeJS.WritableStream & { isTTY?: boolean }) {
  const tty = out.isTTY === true;
  let lastDecile = -1;
  let lastStatus = '';
  let lastAttempt = 0;
  let drawn = false;
  const note = (text: string) => {
    if (tty && drawn) out.write('\r\x1b[K');
    out.write(`${text}\n`);
    drawn = false;
  };
  return {
    note,
    done: note,
    update(p: PullProgress) {
      const line = formatProgress(p);
      if (p.attempt !== lastAttempt && p.total > 0) {
        // the first layer sizes of this attempt: say where a resumed download starts
        lastAttempt = p.attempt;
        if (p.resumedFrom > 0) note(`${p.model}: resuming at ${formatBytes(p.resumedFrom)} of ${formatBytes(p.total)} (already downloaded)`);
      }
      if (tty) {
        out.write(`\r\x1b[K${line}`);
        drawn = true;
        return;
      }
      const decile = p.total > 0 ? Math.floor((p.completed / p.total) * 10) : -1;
      const step = p.total > 0 ? 'download' : p.status;
      // a new step, or the next tenth (the total grows as Ollama names more layers: never print a step back)
      if (decile > lastDecile || step !== lastStatus) out.write(`${line}\n`);
      lastDecile = Math.max(lastDecile, decile);
      lastStatus = step;
    },
  };
}
