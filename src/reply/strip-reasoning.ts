/**
 * Remove model reasoning from answer content. Models leak it inline in several forms: the
 * Ollama CLI's "Thinking... / ...done thinking." block, <think> tags, and gpt-oss "harmony"
 * channel markers. A viewer must never see any of it, not even a partial thought.
 */

export interface Stripped {
  text: string;
  hadReasoning: boolean;
  unclosed: boolean;
}

const CLI_OPEN = /^\s*Thinking\.\.\.[ \t]*(?:\r?\n|$)/i;
const CLI_CLOSE = /\.\.\.done thinking\.?/i;
const THINK_TAG = /<(\/?)(think|thinking|reasoning)\s*(\/?)>/gi;
const HARMONY_TOKEN = /<\|([a-z_]{1,32})\|>/gi;
const LEFTOVER_TOKEN = /<\|[^<>|\s]{0,40}\|>/g;
/** "analysis…assistantfinal…": harmony with its special tokens rendered as empty strings. */
const FLAT_HARMONY_START = /^\s*analysis(?=[A-Z])/;
const FLAT_HARMONY_FINAL = 'assistantfinal';

const TERMINATORS = new Set(['end', 'return', 'call', 'endoftext']);

interface Segment {
  channel: string;
  header: string;
  body: string;
  closed: boolean;
  hasMessage: boolean;
}

interface Harmony {
  present: boolean;
  segments: Segment[];
  outside: string;
}

/** Read harmony markup: `<|start|>role<|channel|>name ...<|message|>body<|end|>`. */
function parseHarmony(s: string): Harmony {
  const segments: Segment[] = [];
  let outside = '';
  let state: 'outside' | 'role' | 'header' | 'body' = 'outside';
  let cur: Segment | undefined;
  let present = false;
  let last = 0;
  const take = (text: string): void => {
    if (state === 'outside') outside += text;
    else if (state === 'header' && cur) cur.header += text;
    else if (state === 'body' && cur) cur.body += text;
  };
  const close = (): void => {
    if (cur) cur.closed = true;
    cur = undefined;
  };
  for (const m of s.matchAll(HARMONY_TOKEN)) {
    take(s.slice(last, m.index));
    last = m.index + m[0].length;
    const tok = m[1]!.toLowerCase();
    if (tok === 'start') {
      present = true;
      close();
      state = 'role';
    } else if (tok === 'channel') {
      present = true;
      close();
      cur = { channel: '', header: '', body: '', closed: false, hasMessage: false };
      segments.push(cur);
      state = 'header';
    } else if (tok === 'message') {
      present = true;
      if (!cur) {
        // a message without a channel: plain content
        state = 'outside';
        continue;
      }
      cur.hasMessage = true;
      state = 'body';
    } else if (TERMINATORS.has(tok)) {
      if (cur) close();
      state = 'outside';
    }
    // other tokens (<|constrain|>, unknown ones) are dropped without changing state
  }
  take(s.slice(last));
  for (const seg of segments) seg.channel = (seg.header.trim().split(/\s+/)[0] ?? '').toLowerCase();
  return { present, segments, outside };
}

/** The answer carried by harmony markup, or unclosed when only reasoning has begun. */
function harmonyAnswer(h: Harmony): { text: string; unclosed: boolean } {
  const finals = h.segments.filter((g) => g.channel === 'final' && g.hasMessage);
  if (finals.length > 0) return { text: finals.map((g) => g.body).join(' '), unclosed: false };
  const open = h.segments.some((g) => !g.closed);
  if (open) return { text: '', unclosed: true };
  return { text: h.outside, unclosed: false };
}

/**
 * Remove <think>…</think> blocks. Reasoning is not nested: as in Ollama's thinking parser and
 * vLLM's reasoning parsers, a block ends at the first closing tag of its own name, so a
 * reasoning that quotes "<think>" or "<reasoning>" needs no second closing tag. A close tag
 * before any open tag ends reasoning that began in the prompt template (DeepSeek-R1 style):
 * everything before it goes. openAt is where a block that never closed begins (-1: none).
 */
function stripThinkTags(s: string): { text: string; found: boolean; openAt: number } {
  let out = '';
  let open: string | undefined;
  let last = 0;
  let found = false;
  let openAt = -1;
  let first = true;
  for (const m of s.matchAll(THINK_TAG)) {
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    const selfClosing = m[3] === '/';
    if (open !== undefined) {
      // inside reasoning only its own closing tag counts; every other tag is part of the thought
      if (closing && name === open) {
        open = undefined;
        openAt = -1;
        last = m.index + m[0].length;
      }
      continue;
    }
    found = true;
    const text = s.slice(last, m.index);
    last = m.index + m[0].length;
    if (selfClosing) out += text;
    else if (!closing) {
      out += text;
      openAt = out.length;
      open = name;
    } else if (first) out = '';
    else out += text;
    first = false;
  }
  if (open === undefined) out += s.slice(last);
  return { text: out, found, openAt: open !== undefined ? openAt : -1 };
}

/** Which reasoning markup to read first: the one whose first marker comes first. */
function outerFirst(s: string): readonly ['harmony', 'think'] | readonly ['think', 'harmony'] {
  const tag = s.search(THINK_TAG);
  const token = s.search(HARMONY_TOKEN);
  return tag >= 0 && (token < 0 || tag < token) ? THINK_FIRST : HARMONY_FIRST;
}
const THINK_FIRST = ['think', 'harmony'] as const;
const HARMONY_FIRST = ['harmony', 'think'] as const;

/**
 * Remove every form of model reasoning from answer content (see module comment). With
 * harmony channels only the final channel's message is kept. An opened but never-closed
 * reasoning block gives text '' and unclosed: true. Content without reasoning is returned
 * unchanged; otherwise the text is trimmed.
 */
export function stripReasoning(content: string): Stripped {
  let s = content;
  let had = false;
  const none: Stripped = { text: '', hadReasoning: true, unclosed: true };

  if (CLI_OPEN.test(s)) {
    had = true;
    const close = CLI_CLOSE.exec(s);
    if (!close) return none;
    s = s.slice(close.index + close[0].length);
  }

  if (FLAT_HARMONY_START.test(s)) {
    const at = s.lastIndexOf(FLAT_HARMONY_FINAL);
    if (at < 0) return none;
    had = true;
    s = s.slice(at + FLAT_HARMONY_FINAL.length);
  }

  // The form that starts first is the outer one: a <think> block may quote harmony tokens and
  // a harmony analysis may quote <think>; either is reasoning of the outer form, not markup.
  for (const form of outerFirst(s)) {
    if (form === 'harmony') {
      const h = parseHarmony(s);
      if (!h.present) continue;
      had = true;
      const a = harmonyAnswer(h);
      if (a.unclosed) return none;
      s = a.text;
    } else {
      const t = stripThinkTags(s);
      if (!t.found) continue;
      had = true;
      if (t.openAt >= 0) return none;
      s = t.text;
    }
  }

  const cleaned = s.replace(LEFTOVER_TOKEN, ' ');
  if (cleaned !== s) had = true;
  if (!had) return { text: content, hadReasoning: false, unclosed: false };
  return { text: cleaned.replace(/[ \t]{2,}/g, ' ').trim(), hadReasoning: true, unclosed: false };
}

const HELD_MARKERS = ['<think>', '<thinking>', '<reasoning>', 'Thinking...'];

/** Length of a trailing unfinished marker ("<thi", "<|chan", "<|end|"), to hold back. */
function unfinishedTail(s: string): number {
  const harmony = /<(?:\|[a-z_]{0,32}\|?)?$/i.exec(s);
  let n = harmony ? harmony[0].length : 0;
  for (const marker of HELD_MARKERS) {
    for (let k = Math.min(marker.length - 1, s.length); k > n; k--) {
      if (s.slice(-k).toLowerCase() === marker.slice(0, k).toLowerCase()) {
        // a bare word ("Think") only counts as a marker at the very start
        if (marker[0] !== '<' && s.length !== k) continue;
        n = k;
        break;
      }
    }
  }
  return n;
}

/**
 * For a stream in progress: the answer text a viewer would see so far. An open reasoning
 * block hides everything after it; an unfinished marker at the end ("<thi", "<|chan") is
 * held back; harmony output shows nothing until the final channel's message begins.
 */
export function visibleSoFar(partial: string): string {
  let s = partial;
  if (CLI_OPEN.test(s)) {
    const close = CLI_CLOSE.exec(s);
    if (!close) return '';
    s = s.slice(close.index + close[0].length);
  }
  if (FLAT_HARMONY_START.test(s)) {
    const at = s.lastIndexOf(FLAT_HARMONY_FINAL);
    if (at < 0) return '';
    s = s.slice(at + FLAT_HARMONY_FINAL.length);
  } else if (/^\s*analysis$/.test(s)) {
    return '';
  }
  for (const form of outerFirst(s)) {
    if (form === 'harmony') {
      const h = parseHarmony(s);
      if (!h.present) continue;
      const finals = h.segments.filter((g) => g.channel === 'final' && g.hasMessage);
      if (finals.length > 0) s = finals.map((g) => g.body).join(' ');
      else if (h.segments.some((g) => !g.closed)) return '';
      else s = h.outside;
    } else {
      const t = stripThinkTags(s);
      s = t.openAt >= 0 ? t.text.slice(0, t.openAt) : t.text;
    }
  }
  s = s.slice(0, s.length - unfinishedTail(s));
  return s.replace(LEFTOVER_TOKEN, ' ').replace(/[ \t]{2,}/g, ' ').trim();
}
