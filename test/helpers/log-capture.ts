import { Writable } from 'node:stream';

/** A pino destination that keeps every JSON line, as a user reading the logs would see them. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  private buf = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.buf += chunk.toString('utf8');
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.trim()) continue;
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ unparsed: line });
      }
    }
    cb();
  }
  find(msg: string | RegExp, extra?: (l: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return this.lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg ?? ''))) && (!extra || extra(l)));
  }
  async waitFor(msg: string | RegExp, extra?: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.find(msg, extra)[0];
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`no log line ${String(msg)} within ${timeoutMs} ms; last lines:\n${this.raw.slice(-15).join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
