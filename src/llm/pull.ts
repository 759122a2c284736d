import { existsSync, statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Pulling a model through Ollama's `/api/pull` (NDJSON stream of `{status, digest, total,
 * completed}` per layer, then `success`, or `{error}`). Ollama keeps what it downloaded, so a
 * pull that was cut resumes where it stopped: here by retrying at once, or by running the
 * command again later.
 */
export interface PullProgress {
  model: string;
  /** The latest status line ("pulling manifest", "pulling 8934d96d3f08", "verifying sha256 digest", …). */
  status: string;
  /** Sum over the layers seen so far. */
  total: number;
  completed: number;
  /** Bytes per second over the last few seconds (0 until known). */
  bytesPerSec: number;
  /** Bytes already there when this attempt started (a resumed pull). */
  resumedFrom: number;
  attempt: number;
}

export class PullError extends Error {
  constructor(
    message: string,
    /** True when Ollama itself refused (unknown model, no disk): retrying does not help. */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Download sizes of models people use with this bot (Ollama library, Q4/MXFP4 defaults), for the disk check before a pull. */
export const KNOWN_MODEL_BYTES: Record<string, number> = {
  'qwen2.5:7b': 4.7e9,
  'qwen2.5:14b': 9.0e9,
  'qwen2.5:32b': 20e9,
  'gpt-oss:20b': 14e9,
  'gpt-oss:120b': 65e9,
};

export function formatBytes(n: number): string {
  if (n >= 1e15) return `${(n / 1e15).toFixed(1)} PB`;
  if (n >= 1e12) return `${(n / 1e12).toFixed(1)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} KB`;
  return `${n} B`;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.ceil(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `qwen2.5:14b  [██████░░░░░░░░░░░░░░]  31%  2.8 GB / 9.0 GB  48.2 MB/s  2 min 9 s left`. */
export function formatProgress(p: PullProgress, width = 20): string {
  if (p.total <= 0) return `${p.model}  ${p.status}`;
  const frac = Math.min(1, p.completed / p.total);
  const filled = Math.round(frac * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const speed = p.bytesPerSec > 0 ? `  ${formatBytes(p.bytesPerSec)}/s` : '';
  const left = p.completed >= p.total ? '' : p.bytesPerSec > 0 ? `  ${formatDuration((p.total - p.completed) / p.bytesPerSec)} left` : '';
  return `${p.model}  ${bar} ${pct}  ${formatBytes(p.completed)} / ${formatBytes(p.total)}${speed}${left}`;
}

/** Where a local Ollama keeps its models: OLLAMA_MODELS, the Linux service's home, or ~/.ollama/models. */
export function ollamaModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OLLAMA_MODELS?.trim()) return env.OLLAMA_MODELS.trim();
  const user = join(homedir(), '.ollama', 'models');
  const service = '/usr/share/ollama/.ollama/models';
  return existsSync(user) || !existsSync(service) ? user : service;
}

/** Free bytes on the file system holding `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): number {
  let d = dir;
  while (!existsSync(d) && d !== join(d, '..')) d = join(d, '..');
  const s = statfsSync(d);
  return s.bavail * s.bsize;
}

export function isLocalHost(host: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(new URL(host).hostname);
  } catch {
    return false;
  }
}

export interface PullOptions {
  host: string;
  model: string;
  onProgress: (p: PullProgress) => void;
  /** Called when the stream broke and the pull is resumed. */
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
  /** Before the bulk of the download: throws PullError to stop (the disk check). */
  checkTotal?: (totalBytes: number, alreadyBytes: number) => void;
  attempts?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

/** Pull one model, resuming after a cut stream; resolves on Ollama's `success`. */
export async function pullModel(o: PullOptions): Promise<void> {
  const attempts = o.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      await pullOnce(o, attempt);
      return;
    } catch (err) {
      if (err instanceof PullError && err.permanent) throw err;
      if (o.signal?.aborted || attempt >= attempts) throw err;
      const delay = (o.retryDelayMs ?? 1_000) * attempt;
      o.onRetry?.(err as Error, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function pullOnce(o: PullOptions, attempt: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${o.host}/api/pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: o.model, stream: true }), signal: o.signal });
  } catch (err) {
    throw new PullError(`no Ollama answers at ${o.host} (${(err as Error).message}): start it with \`ollama serve\``, false);
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    let msg = text;
    try {
      msg = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // plain text
    }
    throw new PullError(`Ollama refused to pull ${o.model}: ${msg || `HTTP ${res.status}`}`, res.status >= 400 && res.status < 500);
  }
  const layers = new Map<string, { total: number; completed: number }>();
  let resumedFrom = -1;
  let checked = false;
  const samples: { at: number; bytes: number }[] = [];
  let status = '';
  const decoder = new TextDecoder();
  let buf = '';
  const handle = (line: string) => {
    let m: { status?: string; digest?: string; total?: number; completed?: number; error?: string };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      return;
    }
    if (m.error) throw new PullError(`Ollama could not pull ${o.model}: ${m.error}`, true);
    status = m.status ?? status;
    if (m.digest && typeof m.total === 'number') layers.set(m.digest, { total: m.total, completed: m.completed ?? 0 });
    let total = 0;
    let completed = 0;
    for (const l of layers.values()) {
      total += l.total;
      completed += l.completed;
    }
    if (layers.size > 0 && resumedFrom < 0) resumedFrom = completed;
    if (!checked && total > 0) {
      checked = true;
      o.checkTotal?.(total, completed);
    }
    const now = Date.now();
    // speed from this attempt's own bytes (a resumed pull starts at what was already there)
    if (layers.size > 0) samples.push({ at: now, bytes: completed });
    while (samples.length > 2 && now - samples[0]!.at > 5_000) samples.shift();
    const first = samples[0];
    const bytesPerSec = first && now - first.at >= 200 ? ((completed - first.bytes) * 1000) / (now - first.at) : 0;
    o.onProgress({ model: o.model, status, total, completed, bytesPerSec, resumedFrom: Math.max(0, resumedFrom), attempt });
  };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) handle(line);
      }
    }
  } catch (err) {
    if (err instanceof PullError) throw err;
    throw new PullError(`the download of ${o.model} was cut (${(err as Error).message})`, false);
  }
  if (buf.trim()) handle(buf.trim());
  if (status !== 'success') throw new PullError(`the download of ${o.model} ended before Ollama said success (last: ${status || 'nothing'})`, false);
}
