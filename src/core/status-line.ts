import type { Logger } from './log.js';

/**
 * One line on a terminal, rewritten in place (progress). While it is shown, a log line written
 * through `logger` clears it first, so the two never mix.
 */
export class StatusLine {
  private last = '';

  constructor(private readonly logger: Logger) {
    logger.beforeWrite = () => this.clear();
  }

  show(line: string): void {
    process.stderr.write('\r' + line.padEnd(this.last.length));
    this.last = line;
  }

  /** Leaves the line on screen and gives the terminal back to the log. */
  end(): void {
    process.stderr.write('\n');
    this.last = '';
    this.logger.beforeWrite = null;
  }

  private clear(): void {
    if (this.last) {
      process.stderr.write('\r' + ' '.repeat(this.last.length) + '\r');
      this.last = '';
    }
  }
}
