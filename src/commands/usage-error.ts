/**
 * A mistake in how the command was called (unknown flag, bad option value, missing argument):
 * the CLI prints its one-line message and exits 2, where every other failure exits 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
