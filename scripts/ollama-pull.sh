#!/bin/sh
# One-shot model puller for docker compose (runs in the ollama/ollama image, which has the
# `ollama` CLI): wait until the Ollama server at OLLAMA_HOST answers, pull every model the bot
# uses (progress goes to the log), exit 0. The bot services start only after it succeeded.
#
# Models: PULL_MODELS (space-separated; "none" = only check that Ollama answers), or else
# FAST_MODEL and SLOW_MODEL. OLLAMA_WAIT_S: how long to wait for the server (default 300).
set -u

: "${OLLAMA_HOST:=http://127.0.0.1:11434}"
export OLLAMA_HOST
wait_s=${OLLAMA_WAIT_S:-300}
models=${PULL_MODELS:-}
[ -n "$models" ] || models="${FAST_MODEL:-qwen2.5:14b} ${SLOW_MODEL:-gpt-oss:120b}"
[ "$models" = none ] && models=""

say() { echo "models: $*"; }
fail() { echo "models: $*" >&2; exit 1; }

say "waiting for Ollama at $OLLAMA_HOST (up to ${wait_s}s)"
start=$(date +%s)
until ollama list >/dev/null 2>&1; do
  if [ $(($(date +%s) - start)) -ge "$wait_s" ]; then
    case "$OLLAMA_HOST" in
      *127.0.0.1* | *localhost*)
        fail "Ollama at $OLLAMA_HOST did not answer within ${wait_s}s. Inside a container 127.0.0.1 is the container itself: point OLLAMA_HOST at host.docker.internal or the server's LAN address." ;;
      *)
        fail "Ollama at $OLLAMA_HOST did not answer within ${wait_s}s. Check 'docker compose logs ollama' (GPU box: is the NVIDIA container toolkit installed? otherwise add docker-compose.cpu.yml)." ;;
    esac
  fi
  sleep 2
done

seen=" "
for m in $models; do
  case "$seen" in *" $m "*) continue ;; esac
  seen="$seen$m "
  if ollama show "$m" >/dev/null 2>&1; then
    say "$m is here; checking for an update"
    ollama pull "$m" || say "could not check $m for an update; using the local copy"
  else
    say "pulling $m (first run: this is the long part; progress below)"
    ollama pull "$m" || fail "pulling $m failed. Check the name on https://ollama.com/library and free disk space for the models volume, then run 'docker compose up models' again."
  fi
done
say "ready:${models:+ $models}"
