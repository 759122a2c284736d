import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

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
  'config.TWITCH_OAUTH_TOKEN',
  'config.TWITCH_CLIENT_SECRET',
  'config.TWITCH_REFRESH_TOKEN',
  'deviceCode',
  '*.deviceCode',
  'device_code',
  '*.device_code',
  'config.YOUTUBE_CLIENT_SECRET',
  'config.YOUTUBE_REFRESH_TOKEN',
  'config.REDIS_URL',
  'identity.password',
];

/** Mask credentials in a URL (redis://user:secret@host → redis://user:***@host). */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

export interface LoggerSetup {
  level: string;
  /** Where lines go: stdout by default; console mode passes stderr. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

/** The one root logger of a process; components take `.child({ component })`. */
export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    level: setup.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return setup.destination ? pino(options, setup.destination as DestinationStream) : pino(options);
}
