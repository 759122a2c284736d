import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';
import { build as prettyStream, type MessageFormatFunc } from 'pino-pretty';
import { configRedactPaths } from './secrets.js';

export type { Logger };

/** Paths pino censors in every line, whatever the component. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refreshToken',
  '*.refreshToken',
  'refresh_token',
  '*.refresh_token',
  'password',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'headers.authorization',
  'deviceCode',
  '*.deviceCode',
  'device_code',
  '*.device_code',
  'identity.password',
  // a logged configuration: every secret variable, the platforms' included (src/secrets.ts)
  ...configRedactPaths(),
];

/** Mask credentials in a URL (redis://user:secret@host → redis://user:***@host). */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

/** `LOG_FORMAT`: auto (readable in a terminal, JSON otherwise), json, or pretty. */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerSetup {
  level: string;
  /** Where lines go: stdout by default; console mode passes stderr. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Default auto: pretty when the destination is a terminal (a person reads it), pino JSON when piped, in Docker, to a file. */
  format?: LogFormat;
}

/** Fields the short format never shows (they are in every line, or are the message itself). */
const QUIET_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component', 'err']);

/**
 * One line per event for a person: `12:03:04 WARN  redis: redis unreachable … url=… code=…`.
 * Short scalar fields follow as key=value; objects (chat text at debug, job payloads) stay out.
 */
const shortLine: MessageFormatFunc = (log, messageKey, _level, { colors }) => {
  const component = typeof log.component === 'string' ? `${colors.cyan(log.component)}: ` : '';
  const err = log.err as { type?: string; message?: string; code?: string } | undefined;
  const errText = err?.message ? ` (${err.code ?? err.type ?? 'error'}: ${err.message.split('\n')[0]})` : '';
  const extras = Object.entries(log)
    .filter(([k, v]) => k !== messageKey && !QUIET_FIELDS.has(k) && ['string', 'number', 'boolean'].includes(typeof v) && String(v).length <= 60)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${component}${String(log[messageKey] ?? '')}${errText}${extras ? ` ${colors.gray(extras)}` : ''}`;
};

function isTerminal(dest: DestinationStream | NodeJS.WritableStream | undefined): boolean {
  const stream = (dest ?? process.stdout) as { isTTY?: boolean };
  return stream.isTTY === true;
}

/** The format a logger writing to `dest` uses under `LOG_FORMAT`. */
export function resolveLogFormat(format: LogFormat | undefined, dest?: DestinationStream | NodeJS.WritableStream): 'json' | 'pretty' {
  if (format === 'json' || format === 'pretty') return format;
  return isTerminal(dest) ? 'pretty' : 'json';
}

/**
 * `logger` naming `component`, unless the caller named one already: pino writes a key bound
 * twice twice, and a JSON line with two "component" keys breaks log shippers' parsers.
 */
export function componentLogger(logger: Logger, component: string): Logger {
  return logger.bindings().component === undefined ? logger.child({ component }) : logger;
}

/** The one root logger of a process; components take `.child({ component })`. */
export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    level: setup.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (resolveLogFormat(setup.format, setup.destination) === 'pretty') {
    const dest = setup.destination ?? process.stdout;
    const stream = prettyStream({
      destination: dest as NodeJS.WritableStream,
      sync: true,
      colorize: isTerminal(dest) && !process.env.NO_COLOR,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,component',
      hideObject: true,
      messageFormat: shortLine,
    });
    return pino(options, stream);
  }
  return setup.destination ? pino(options, setup.destination as DestinationStream) : pino(options);
}
