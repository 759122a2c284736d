/**
 * The fake Ollama's embedding model: deterministic, and meaningful enough that retrieval can
 * be tested for real. A text becomes a hashed bag of features (words of Latin, Cyrillic, …
 * scripts, lower-cased, stop words dropped, a plural `s` folded; character bigrams of CJK
 * runs, plus each kanji, katakana or hangul character alone, and a lone kana), each feature adds ±1 to one of
 * `dims` components (signed feature hashing), and the vector is L2-normalised as Ollama's
 * `/api/embed` returns it. Texts sharing content words therefore score high (cosine), texts
 * sharing none score near 0, like a real embedding model's ordering though not its scale
 * (real models give unrelated texts 0.3–0.5).
 */

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]/u;
const CONTENT_CHAR = /[\p{Script=Han}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORDS = /[\p{L}\p{N}ー]+/gu;

/** Function words that carry no topic (English, and the Japanese particles/copulas that sit alone). */
const STOP = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been being am do does did ' +
    'i me my you your he she it its we our they them their this that these those there here what which who whom ' +
    'how why when where can could would should will shall may might must not no yes so too very just than then ' +
    'about into over also any all some have has had get got let lets please hey hi oh ok okay'
  ).split(' '),
);

/** FNV-1a over UTF-16 code units, then murmur3's finaliser (FNV alone spreads short strings badly). */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The features of a text (with repeats: term frequency counts). */
export function embedFeatures(text: string): string[] {
  const out: string[] = [];
  const norm = text.normalize('NFKC').toLowerCase();
  for (const m of norm.matchAll(WORDS)) {
    const word = m[0];
    // Split a run into CJK and non-CJK stretches: "ps5で遊ぶ" → "ps5", "で遊ぶ".
    let latin = '';
    let cjk: string[] = [];
    const flushLatin = () => {
      if (latin && !STOP.has(latin)) out.push(`w:${latin.length > 3 && latin.endsWith('s') && !latin.endsWith('ss') ? latin.slice(0, -1) : latin}`);
      latin = '';
    };
    const flushCjk = () => {
      // Kanji and katakana carry meaning alone (猫, 名前 → 名, 前); kana particles do not.
      for (const c of cjk) if (cjk.length === 1 || CONTENT_CHAR.test(c)) out.push(`c:${c}`);
      for (let i = 0; i + 1 < cjk.length; i++) out.push(`b:${cjk[i]}${cjk[i + 1]}`);
      cjk = [];
    };
    for (const ch of word) {
      if (CJK_CHAR.test(ch)) {
        flushLatin();
        cjk.push(ch);
      } else {
        flushCjk();
        latin += ch;
      }
    }
    flushLatin();
    flushCjk();
  }
  return out;
}

/**
 * The embedding of `text`: `dims` components, L2 norm 1. A text with no features (only
 * stop words, punctuation or emoji) still gets a vector, from its code points, as a real
 * model never returns a zero vector.
 */
export function fakeEmbedding(text: string, dims = 256): number[] {
  const v = new Float64Array(dims);
  let feats = embedFeatures(text);
  if (feats.length === 0) feats = [...text].filter((c) => c.trim() !== '').map((c) => `u:${c}`);
  if (feats.length === 0) feats = ['empty'];
  for (const f of feats) {
    const h = fnv1a(f);
    const sign = fnv1a(f, 0x9e3779b9) & 1 ? 1 : -1;
    v[h % dims]! += sign;
  }
  let sum = 0;
  for (const x of v) sum += x * x;
  const inv = 1 / Math.max(Math.sqrt(sum), 1e-12);
  return Array.from(v, (x) => x * inv);
}

/** Ollama's `dimensions`: keep the first n components and normalise again (as the server does). */
export function truncateDimensions(v: number[], n: number): number[] {
  if (!(n > 0) || n >= v.length) return v;
  const head = v.slice(0, n);
  const norm = Math.sqrt(head.reduce((s, x) => s + x * x, 0));
  const inv = 1 / Math.max(norm, 1e-12);
  return head.map((x) => x * inv);
}
