/**
 * `OLLAMA_KEEP_ALIVE` as Ollama's `/api/chat` takes it. Ollama reads a JSON number as seconds
 * (a negative one: keep the model loaded forever) and a string with Go's time.ParseDuration,
 * which needs a unit on every number: the string "-1" is HTTP 400 ("time: missing unit in
 * duration"), so a bare number must go out as a number (ollama/ollama api/types.go).
 */

/** Go duration units (time.ParseDuration): no days. */
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** The value to send, or undefined when Ollama would reject it. */
export function parseKeepAlive(raw: string): number | string | undefined {
  const s = raw.trim();
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  if (s === '0' || GO_DURATION.test(s)) return s;
  return undefined;
}
