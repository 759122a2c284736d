#!/usr/bin/env bash
# Make sure a Redis answers at REDIS_URL's host (default 127.0.0.1:6379): start one if none
# answers, installing redis-server with apt-get when it is missing. Keeps nothing on disk.
set -u
host=127.0.0.1
port=6379
if [ -n "${REDIS_URL:-}" ]; then
  hp=$(printf '%s' "$REDIS_URL" | sed -E 's#^rediss?://([^@/]*@)?([^/:]+)(:([0-9]+))?.*#\2 \4#')
  host=${hp%% *}; p=${hp#* }; [ -n "$p" ] && [ "$p" != "$hp" ] && port=$p
fi
ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}
if ping; then echo "redis: answering on $host:$port"; exit 0; fi
if [ "$host" != 127.0.0.1 ] && [ "$host" != localhost ]; then
  echo "redis: nothing answers on $host:$port (not a local address, so not starting one)" >&2; exit 1
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: redis-server missing; installing it with apt-get"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || {
    echo "redis: could not install redis-server; install Redis 7 and start it on $host:$port" >&2; exit 1; }
fi
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
for _ in $(seq 1 50); do ping && { echo "redis: started on $host:$port"; exit 0; }; sleep 0.1; done
echo "redis: started redis-server but it does not answer on $host:$port" >&2
exit 1
