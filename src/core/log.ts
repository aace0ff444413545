/**
 * Logging: human-readable lines on a terminal, one JSON object per line otherwise (so log
 * collectors can parse worker output). Everything goes to stderr; stdout stays free for data.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Emit JSON lines. Default: true when stderr is not a TTY. */
  json?: boolean;
  /** Lowest level printed. Default: `SEGSTREAM_LOG_LEVEL` or 'info'. */
  level?: LogLevel;
  /** Fields added to every line (role, streamId, pid). */
  base?: LogFields;
}

export class Logger {
  readonly json: boolean;
  private readonly level: LogLevel;
  private readonly base: LogFields;
  /** Called before a human line is written, so a live progress line can be cleared first. */
  beforeWrite: (() => void) | null = null;

  constructor(opts: LoggerOptions = {}) {
    this.json = opts.json ?? !process.stderr.isTTY;
    this.level = opts.level ?? ((process.env.SEGSTREAM_LOG_LEVEL as LogLevel) || 'info');
    this.base = opts.base ?? {};
  }

  child(fields: LogFields): Logger {
    const l = new Logger({ json: this.json, level: this.level, base: { ...this.base, ...fields } });
    l.beforeWrite = this.beforeWrite;
    return l;
  }

  debug(msg: string, fields?: LogFields): void { this.write('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.write('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.write('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.write('error', msg, fields); }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < ORDER[this.level]) return;
    if (this.json) {
      process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...this.base, ...fields }) + '\n');
      return;
    }
    this.beforeWrite?.();
    const extra = { ...this.base, ...fields };
    const kv = Object.entries(extra)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const tag = level === 'info' ? '' : `${level}: `;
    process.stderr.write(`${tag}${msg}${kv ? '  ' + kv : ''}\n`);
  }
}

/** The process-wide logger; roles make children of it. */
export const log = new Logger();
