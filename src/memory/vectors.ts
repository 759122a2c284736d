/**
 * Pure vector helpers for retrieval (src/memory/retrieval.ts): normalising, cosine
 * similarity, the compact stored form of a vector (Float32, little-endian, base64), the
 * stored entry (vector + exchange JSON) and a top-k selection. No I/O.
 */
import type { Exchange } from './types.js';

/**
 * The vector scaled to length 1, as a new Float32Array. A zero vector, or one with a NaN or
 * infinite component, comes back as zeros (it then matches nothing).
 */
export function normalize(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
  if (!(sum > 0) || !Number.isFinite(sum)) return new Float32Array(out.length);
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

/** Dot product; equals the cosine when both vectors have length 1. Vectors of different lengths: 0. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Cosine similarity in [-1, 1]. 0 when either vector is zero or when the lengths differ
 * (vectors of different models are not comparable).
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (!(aa > 0) || !(bb > 0)) return 0;
  return Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float32 little-endian bytes, base64: 4 bytes per component, a third more in base64. */
export function encodeVector(v: ArrayLike<number>): string {
  const f = Float32Array.from(v);
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(f.buffer);
    for (let i = 0; i < f.length; i++) dv.setFloat32(i * 4, f[i]!, true);
  }
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

/** The inverse of encodeVector; undefined when the text is not a whole number of Float32s. */
export function decodeVector(b64: string): Float32Array | undefined {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length === 0 || buf.length % 4 !== 0) return undefined;
  const n = buf.length / 4;
  if (LITTLE_ENDIAN && buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, n);
  const out = new Float32Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf);
  else for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** What one hash field holds: the embedding of an exchange, with the exchange itself. */
export interface VectorEntry {
  /** Epoch ms of the exchange (for caps and retention). */
  at: number;
  /** The embedding model: vectors of another model are never compared. */
  model: string;
  /** Unit-length embedding. */
  vector: Float32Array;
  exchange: Exchange;
}

/** The head of an entry, read without parsing the exchange (the scan reads only this). */
export interface EntryHead {
  at: number;
  model: string;
  /** The vector, still base64. */
  v: string;
}

/** `{"at":…,"m":"…","v":"…","ex":{…}}`: the head first, so a scan can read it by position. */
export function encodeEntry(e: VectorEntry): string {
  return `{"at":${Math.round(e.at)},"m":${JSON.stringify(e.model)},"v":"${encodeVector(e.vector)}","ex":${JSON.stringify(e.exchange)}}`;
}

const HEAD = '{"at":';

/** Read the head of an entry by position; falls back to JSON for entries written another way. undefined when unreadable. */
export function readEntryHead(s: string): EntryHead | undefined {
  if (s.startsWith(HEAD)) {
    const m = s.indexOf(',"m":', HEAD.length);
    const v = m < 0 ? -1 : s.indexOf(',"v":"', m);
    const end = v < 0 ? -1 : s.indexOf('"', v + 6);
    if (end > 0) {
      const at = Number(s.slice(HEAD.length, m));
      let model: unknown;
      try {
        model = JSON.parse(s.slice(m + 5, v));
      } catch {
        model = undefined;
      }
      if (Number.isFinite(at) && typeof model === 'string') return { at, model, v: s.slice(v + 6, end) };
    }
  }
  try {
    const o = JSON.parse(s) as { at?: unknown; m?: unknown; v?: unknown };
    if (typeof o.at === 'number' && typeof o.m === 'string' && typeof o.v === 'string') return { at: o.at, model: o.m, v: o.v };
  } catch {
    // not JSON: unreadable
  }
  return undefined;
}

const HEAD_BUF = Buffer.from(HEAD);
const M_BUF = Buffer.from(',"m":');
const V_BUF = Buffer.from(',"v":"');

/**
 * readEntryHead on the raw bytes Redis sent (a search reads replies as Buffers: half the
 * cost of decoding megabytes into strings first). The base64 and the number are ASCII.
 */
export function readEntryHeadBuffer(b: Buffer): EntryHead | undefined {
  if (b.length > HEAD_BUF.length && b.compare(HEAD_BUF, 0, HEAD_BUF.length, 0, HEAD_BUF.length) === 0) {
    const m = b.indexOf(M_BUF, HEAD_BUF.length);
    const v = m < 0 ? -1 : b.indexOf(V_BUF, m);
    const end = v < 0 ? -1 : b.indexOf(0x22, v + V_BUF.length);
    if (end > 0) {
      const at = Number(b.toString('latin1', HEAD_BUF.length, m));
      let model: unknown;
      try {
        model = JSON.parse(b.toString('utf8', m + M_BUF.length, v));
      } catch {
        model = undefined;
      }
      if (Number.isFinite(at) && typeof model === 'string') return { at, model, v: b.toString('latin1', v + V_BUF.length, end) };
    }
  }
  return readEntryHead(b.toString('utf8'));
}

/** The whole entry; undefined when it does not parse or lacks a field. */
export function decodeEntry(raw: string | Buffer): VectorEntry | undefined {
  const s = typeof raw === 'string' ? raw : raw.toString('utf8');
  let o: { at?: unknown; m?: unknown; v?: unknown; ex?: unknown };
  try {
    o = JSON.parse(s) as typeof o;
  } catch {
    return undefined;
  }
  if (typeof o.at !== 'number' || typeof o.m !== 'string' || typeof o.v !== 'string' || !isExchange(o.ex)) return undefined;
  const vector = decodeVector(o.v);
  return vector ? { at: o.at, model: o.m, vector, exchange: o.ex } : undefined;
}

function isExchange(x: unknown): x is Exchange {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.platform === 'string' &&
    typeof e.channel === 'string' &&
    typeof e.userId === 'string' &&
    typeof e.comment === 'string' &&
    typeof e.answer === 'string' &&
    typeof e.at === 'number'
  );
}

/**
 * Keep the k best items with score at or above `floor`, best first (ties: the one offered
 * first stays ahead). `list` is sorted and changed in place; returns it.
 */
export function offerTop<T extends { score: number }>(list: T[], item: T, k: number, floor: number): T[] {
  if (k <= 0 || !(item.score >= floor)) return list;
  if (list.length >= k && item.score <= list[list.length - 1]!.score) return list;
  let i = list.length;
  while (i > 0 && list[i - 1]!.score < item.score) i--;
  list.splice(i, 0, item);
  if (list.length > k) list.length = k;
  return list;
}
