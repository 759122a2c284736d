// Run inside a private network namespace (`unshare -rn`, see embedded-redis.test.ts), where
// 127.0.0.1:6379 is free whatever the host runs: a fake Ollama, then `npm start -- --console`
// as a newcomer runs it, then what is left listening. Prints one JSON object on stdout.
// Usage: node --import tsx test/helpers/netns-console.ts <data dir> [REDIS_URL]
import { existsSync, readdirSync } from 'node:fs';
import { startFakeOllama } from '../fakes/ollama.js';
import { probeRedis } from '../../src/checks.js';
import { cleanEnv, run } from './spawn.js';

const [dir, redisUrl] = process.argv.slice(2);
const ollama = await startFakeOllama({ reply: () => ({ content: 'やっほー！元気だよ！' }) });
const before = (await probeRedis('redis://127.0.0.1:6379', 500)).ok;
const t0 = Date.now();
const r = await run('npm', ['start', '--silent', '--', '--console'], {
  env: cleanEnv({ OLLAMA_HOST: ollama.host, EMBEDDED_REDIS_DIR: dir!, LOG_LEVEL: 'info', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) }),
  input: '牡丹ちゃん元気？\n',
  timeoutMs: 60_000,
});
const ms = Date.now() - t0;
const after = (await probeRedis('redis://127.0.0.1:6379', 500)).ok;
await ollama.close();
const files = existsSync(dir!) ? readdirSync(dir!, { recursive: true }).map(String) : [];
process.stdout.write(`${JSON.stringify({ before, after, ms, files, ...r })}\n`);
