#!/usr/bin/env bash
# Time from `git clone` to the first answer in console chat, as a newcomer gets there: clone,
# npm ci, npm start -- --console with one question piped in. A fake Ollama (test/fakes/ollama.ts,
# answering at once) stands in for the models, so the number is the project's own set-up cost,
# not a model download. Redis: whatever answers on 127.0.0.1:6379, else the embedded one.
# Usage: bash bench/first-answer.sh [repository, default: this checkout]
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'kill "${fake_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
now() { date +%s.%N; }
t0=$(now)
git clone -q "$repo" "$work/bot"
t1=$(now)
cd "$work/bot"
npm ci --no-audit --no-fund --silent >/dev/null
t2=$(now)
node --import tsx -e "const { startFakeOllama } = await import('./test/fakes/ollama.ts'); const o = await startFakeOllama({ reply: () => ({ content: 'やっほー！元気だよ！' }) }); console.log(o.host);" > "$work/fake.out" &
fake_pid=$!
until [ -s "$work/fake.out" ]; do sleep 0.05; done
ollama_host=$(head -1 "$work/fake.out")
t3=$(now)
answer=$(printf '牡丹ちゃん元気？\n' | env -u REDIS_URL OLLAMA_HOST="$ollama_host" npm start --silent -- --console 2>/dev/null | head -1)
t4=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" -v ans="$answer" 'BEGIN {
  printf "first answer: %s\n", ans;
  printf "git clone %.1f s, npm ci %.1f s, console chat to first answer %.1f s; total %.1f s (fake Ollama start-up of %.1f s not counted)\n", b-a, c-b, e-d, (b-a)+(c-b)+(e-d), d-c }'
