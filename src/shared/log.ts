// hedge's logger: pino underneath, behind the small call shape the code base
// uses everywhere (`log.info(msg, fields)`), so call sites never see pino.
// Rule: fields name attributes, partners and headers; never identifier values.
// Callers pass only such fields; the redaction paths below are a second lock
// for the day a call site gets it wrong.
// Output: one JSON object per line on stderr (asynchronous, flushed at exit);
// a coloured human form when stderr is a terminal (or HEDGE_LOG_FORMAT=pretty).
// The level can be changed while running (admin API, SIGUSR2): every child
// of a root logger shares the root's level.
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import { createRequire } from 'node:module';
import type { PrettyStream } from 'pino-pretty';

// pino-pretty is loaded only when a terminal needs it (it is the heavier half).
const requireCjs = createRequire(import.meta.url);
const prettyStream = (): PrettyStream => (requireCjs('pino-pretty') as typeof import('pino-pretty').PinoPretty)({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l' });

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];
const order: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function isLevel(s: unknown): s is Level {
  return typeof s === 'string' && (LEVELS as readonly string[]).includes(s);
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** The level shared by a root logger and all its children. */
export class LogLevel {
  private min: number;
  constructor(
    private current: Level,
    /** The level the process started with: SIGUSR2 toggles between it and debug. */
    readonly initial: Level = current,
  ) {
    this.min = order[current];
  }
  get(): Level {
    return this.current;
  }
  set(level: Level): void {
    this.current = level;
    this.min = order[level];
  }
  enabled(level: Level): boolean {
    return order[level] >= this.min;
  }
  /** SIGUSR2: debug when at the initial level, back to the initial level otherwise. */
  toggleDebug(): Level {
    this.set(this.current !== 'debug' ? 'debug' : this.initial === 'debug' ? 'info' : this.initial);
    return this.current;
  }
}

export interface LoggerOptions {
  level?: Level;
  /** Receive each line (JSON, newline-terminated) instead of stderr: tests and embedding. */
  write?: (line: string) => void;
  base?: Record<string, unknown>;
  /** 'json' (default when stderr is not a terminal) or 'pretty'. Env: HEDGE_LOG_FORMAT. */
  format?: 'json' | 'pretty';
}

// Every field name that could carry a subscriber identifier or a secret, at
// the top level and one level down. Censored, never written.
const SENSITIVE = [
  'msisdn',
  'imsi',
  'imei',
  'imeisv',
  'phoneNumber',
  'devicePhoneNumber',
  'hashedPhoneNumber',
  'phone',
  'subscriber',
  'callingStationId',
  'userName',
  'loginHint',
  'login_hint',
  'framedIp',
  'framedIpAddress',
  'clientIp',
  'remoteAddress',
  'ip',
  'value',
  'token',
  'accessToken',
  'idToken',
  'secret',
  'password',
  'authorization',
  'cookie',
];
export const REDACT_PATHS = [...SENSITIVE, ...SENSITIVE.map((k) => `*.${k}`)];

const levelState = new WeakMap<Logger, LogLevel>();

/** The runtime level control of a logger made by createLogger (undefined for others, e.g. silentLogger). */
export function logLevelOf(log: Logger): LogLevel | undefined {
  return levelState.get(log);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const envLevel = process.env.HEDGE_LOG_LEVEL;
  const level = new LogLevel(opts.level ?? (isLevel(envLevel) ? envLevel : 'info'));
  const format = opts.format ?? (process.env.HEDGE_LOG_FORMAT === 'pretty' || (process.env.HEDGE_LOG_FORMAT !== 'json' && process.stderr.isTTY) ? 'pretty' : 'json');
  const destination = opts.write ? { write: opts.write } : format === 'pretty' ? prettyStream() : stderrDestination();
  const root = pino(
    {
      level: 'trace', // filtering happens in the adapter, against the shared LogLevel
      base: opts.base ?? {},
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination as DestinationStream,
  );
  const logger = adapt(root, level);
  levelState.set(logger, level);
  return logger;
}

function adapt(p: Pino, level: LogLevel): Logger {
  const emit = (l: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => {
    if (!level.enabled(l)) return;
    // `level` and `time` are the line's own keys: a field of that name must not overwrite them.
    if (fields && ('level' in fields || 'time' in fields)) {
      const { level: lv, time, ...rest } = fields;
      fields = { ...rest, ...(lv !== undefined ? { fieldLevel: lv } : {}), ...(time !== undefined ? { fieldTime: time } : {}) };
    }
    if (fields) p[l](fields, msg);
    else p[l](msg);
  };
  const logger: Logger = {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => {
      const c = adapt(p.child(fields), level);
      levelState.set(c, level);
      return c;
    },
  };
  return logger;
}

// One asynchronous stderr destination per process, flushed synchronously at
// exit so the last lines (a fatal config error, "stopped") are never lost.
let stderrDest: ReturnType<typeof pino.destination> | undefined;
function stderrDestination() {
  if (!stderrDest) {
    const dest = pino.destination({ dest: 2, sync: false, minLength: 0 });
    stderrDest = dest;
    process.on('exit', () => {
      try {
        dest.flushSync();
      } catch {
        // stderr already closed: nothing more can be written anyway
      }
    });
  }
  return stderrDest;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
