/**
 * npm run bench:decision
 *
 * Time of the per-comment decisions on this machine: the "is this for me?" rules alone,
 * the whole decide() (trigger, audience, complexity score, controls), and the copypasta
 * fingerprint taken at intake. Inputs: every labelled comment in test/fixtures/routing/
 * (real-chat split included) plus long comments at Twitch's 500-character cap, in English
 * and Japanese. Prints the mean and the p99 of batches, in µs per comment.
 */
import { cpus, loadavg } from 'node:os';
import { loadCharacter } from '../src/character.js';
import type { ControlSnapshot } from '../src/controls/types.js';
import { judgeAudience } from '../src/routing/audience.js';
import { decide } from '../src/routing/decide.js';
import { loadRoutingSet } from '../src/routing/evaluate.js';
import { fingerprint } from '../src/routing/near-duplicate.js';
import { analyzeTrigger } from '../src/routing/trigger.js';
import { commentSchema, type Comment } from '../src/types.js';

const character = loadCharacter(process.env.CHARACTER ?? 'characters/botan.yaml');
const names = [character.name, ...character.aliases, 'botan_bot'];
const texts = [...loadRoutingSet('test/fixtures/routing'), ...loadRoutingSet('test/fixtures/routing/noise')].map((i) => i.text);
const long = [
  `${'chat is this real? KEKW '.repeat(20)}`.slice(0, 500),
  `${'I am not saying the streamer is bad but every single time the boss slams he rolls left, coincidence? '.repeat(5)}`.slice(0, 500),
  `${'配信者さんがボスの攻撃を避けるたびに左に転がるのは偶然ですか？コピペです。'.repeat(12)}`.slice(0, 500),
];
const set = [...texts, ...long];
const now = Date.now();
const comments: Comment[] = set.map((text, i) =>
  commentSchema.parse({ platform: 'twitch', channel: 'ch', id: `b${i}`, text, receivedAt: now, author: { id: `u${i}`, login: `u${i}`, name: `u${i}`, badges: {} } }),
);
const controls: ControlSnapshot = {
  settings: { mode: 'auto', trigger: 'question', slow_threshold: 0.6, slow_max_waiting: 20, overflow: 'fast', think: 'medium', ack: true, user_cooldown_s: 30, fast_max_age_s: 20, slow_max_age_s: 300, approval: false, context: '', memory: true },
  sources: {} as ControlSnapshot['sources'],
  blockedUsers: new Set(),
  vipUsers: new Set(),
  blockedWords: [],
  slowKeywords: [],
};

/** Mean and p99 over batches (one batch = one pass over the set), in µs per comment. */
function measure(name: string, fn: (i: number) => unknown, batches = 300): string {
  let sink = 0;
  for (let i = 0; i < set.length; i++) sink += fn(i) ? 1 : 0; // warm-up: JIT, regex compilation
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < set.length; i++) sink += fn(i) ? 1 : 0;
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / set.length);
  }
  if (sink < 0) throw new Error('unreachable');
  per.sort((a, b) => a - b);
  const mean = per.reduce((a, b) => a + b, 0) / per.length;
  const p99 = per[Math.min(per.length - 1, Math.ceil(per.length * 0.99) - 1)]!;
  // the slowest single comment (long ones), timed alone
  let worst = 0;
  for (let i = 0; i < set.length; i++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 50; r++) fn(i);
    worst = Math.max(worst, Number(process.hrtime.bigint() - t0) / 1000 / 50);
  }
  return `| ${name} | ${per[0]!.toFixed(2)} | ${mean.toFixed(2)} | ${p99.toFixed(2)} | ${worst.toFixed(2)} |`;
}

const rows = [
  measure('"is this for me?" (trigger + audience rules)', (i) => judgeAudience({ text: set[i]!, mention: analyzeTrigger(set[i]!, names).mention }).forMe),
  measure('whole decide() (trigger, audience, complexity, controls)', (i) =>
    decide({ comment: comments[i]!, controls, names, now, slowWaiting: 0, triageBand: [0.35, 0.6], triageEnabled: true }).answer,
  ),
  measure('copypasta fingerprint (intake, long comments only)', (i) => fingerprint(set[i]!)),
];
console.log(
  [
    `Decision timing: \`npm run bench:decision\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores, ${set.length} comments (the routing sets and ${long.length} at 500 characters). The fastest batch is the cost when the process is not preempted; the mean and p99 include other processes' load.`,
    '',
    '| what | fastest batch µs/comment | mean µs/comment | p99 of batch means | slowest comment µs (alone) |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n'),
);
