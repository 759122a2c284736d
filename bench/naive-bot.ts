/**
 * The baseline: a naive chat bot with no queue. tmi.js reads chat; every message that the
 * same trigger rule as the real bot would answer (a question or a mention) gets its own
 * Ollama call at once; the answer is sent as soon as it arrives (a threaded reply, so it can
 * be matched to its comment). No priorities, no shedding, no freshness check, no pacing,
 * no stop-early. Run by the benchmark as a child process:
 *
 *   TWITCH_IRC_URL=ws://127.0.0.1:PORT TWITCH_CHANNELS=chan TWITCH_USERNAME=bot \
 *   TWITCH_OAUTH_TOKEN=oauth:... OLLAMA_HOST=http://127.0.0.1:PORT FAST_MODEL=qwen2.5:14b \
 *   node --import tsx bench/naive-bot.ts
 */
import { Ollama } from 'ollama';
import tmi from 'tmi.js';
import { loadCharacter } from '../src/character.js';
import { analyzeTrigger } from '../src/routing/trigger.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) {
    process.stderr.write(`naive-bot: set ${k}\n`);
    process.exit(2);
  }
  return v;
};

const url = new URL(env('TWITCH_IRC_URL'));
const channel = env('TWITCH_CHANNELS');
const username = env('TWITCH_USERNAME');
const model = env('FAST_MODEL');
const character = loadCharacter(process.env.CHARACTER ?? 'characters/botan.yaml');
const names = [character.name, ...character.aliases, username];
const ollama = new Ollama({ host: env('OLLAMA_HOST') });
const system = `${character.persona}\n${character.style}\nAnswer in one to three short sentences.`;
let inFlight = 0;

const client = new tmi.Client({
  options: { skipUpdatingEmotesets: true },
  connection: { server: url.hostname, port: Number(url.port), secure: url.protocol === 'wss:', reconnect: false },
  identity: { username, password: env('TWITCH_OAUTH_TOKEN') },
  channels: [`#${channel}`],
  logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
});

client.on('message', (chan: string, tags: tmi.ChatUserstate, text: string, self: boolean) => {
  if (self || text.trim().startsWith('!')) return;
  const t = analyzeTrigger(text, names);
  if (!t.mention && !t.question) return;
  inFlight++;
  void ollama
    .chat({ model, messages: [{ role: 'system', content: system }, { role: 'user', content: text }], stream: false, keep_alive: '30m' })
    .then((res) => {
      const reply = res.message.content.replace(/\s+/g, ' ').trim().slice(0, 500);
      if (reply) return client.raw(`@reply-parent-msg-id=${tags.id} PRIVMSG ${chan} :${reply}`);
    })
    .catch((err: unknown) => process.stderr.write(`naive-bot: ${String(err)}\n`))
    .finally(() => inFlight--);
});

client.on('join', (_chan: string, user: string, self: boolean) => {
  if (self) process.stdout.write(JSON.stringify({ msg: 'naive bot started', user }) + '\n');
});

process.on('SIGTERM', () => {
  process.stdout.write(JSON.stringify({ msg: 'naive bot stopped', inFlight }) + '\n');
  process.exit(0);
});

await client.connect();
