#!/usr/bin/env bash
# Time from `git clone` to the first answer in console chat, as a newcomer gets there: clone,
# npm ci, npm start -- --console with one question piped in. A fake Ollama (test/fakes/ollama.ts,
# answering at once) stands in for the models, so the number is the project's own set-up cost,
# not a model download. Redis: whatever answers on 127.0.0.1:6379, else the embedded one.
# Usage: bash bench/first-answer.sh [--no-redis] [repository, default: this checkout]
#   --no-redis: run the console step in a private network namespace (unshare -rn), where nothing
#   answers on 127.0.0.1:6379, so npm start brings its own Redis as on a machine without one.
set -euo pipefail
netns=0
if [ "${1:-}" = --no-redis ]; then netns=1; shift; fi
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
t0=$(now)
git clone -q "$repo" "$work/bot"
t1=$(now)
cd "$work/bot"
npm ci --no-audit --no-fund --silent >/dev/null
t2=$(now)
# the fake Ollama, then the newcomer's command; prints the first answer and when it came
step='
node --import tsx -e "const { startFakeOllama } = await import(\"./test/fakes/ollama.ts\"); const o = await startFakeOllama({ reply: () => ({ content: \"やっほー！元気だよ！\" }) }); console.log(o.host);" > fake.out &
fake=$!
until [ -s fake.out ]; do sleep 0.05; done
s=$(date +%s.%N)
a=$(printf "牡丹ちゃん元気？\n" | env -u REDIS_URL OLLAMA_HOST=$(head -1 fake.out) npm start --silent -- --console 2>console.err | head -1)
e=$(date +%s.%N)
kill $fake
echo "$s $e $a"
'
if [ "$netns" = 1 ]; then
  out=$(unshare -rn sh -c "ip link set lo up && $step")
else
  out=$(sh -c "$step")
fi
read -r s e answer <<<"$out"
grep -q 'private Redis' console.err && redis="the embedded Redis" || redis="the Redis on 127.0.0.1:6379"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$s" -v e="$e" -v ans="$answer" -v r="$redis" 'BEGIN {
  printf "first answer: %s (with %s)\n", ans, r;
  printf "git clone %.1f s, npm ci %.1f s, npm start -- --console to the first answer %.1f s; total %.1f s (the fake Ollama'"'"'s own start-up not counted)\n", b-a, c-b, e-s, (b-a)+(c-b)+(e-s) }'
