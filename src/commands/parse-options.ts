/**
 * node:util parseArgs for every segstream command, with its errors turned into one-line
 * {@link UsageError}s: an unknown flag names the nearest known one, and a negative number after
 * a value option (`--max-frames -3`) is taken as that option's value, so that the option's own
 * range check reports it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode; throws {@link UsageError} instead of node's multi-line errors. */
export function parseOptions<O extends Options>(args: string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err as Error & { code?: string }, options));
  }
}

/** `--opt -3` → `--opt=-3` for string options (parseArgs calls a dash-led value ambiguous). */
function joinNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : shortToLong(a, options);
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function shortToLong(arg: string, options: Options): string | undefined {
  if (!/^-[^-]$/.test(arg)) return undefined;
  return Object.keys(options).find((k) => options[k]?.short === arg[1]);
}

function usageMessage(err: Error & { code?: string }, options: Options): string {
  const first = err.message.split('\n')[0] ?? err.message;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flag = /Unknown option '([^']+)'/.exec(first)?.[1] ?? first;
      const near = nearestOption(flag.replace(/^-+/, ''), Object.keys(options));
      return `unknown option '${flag}'${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const m = /^Option '(?:-\w, )?(--[\w-]+)[^']*' (argument missing|does not take an argument)/.exec(first);
      if (m) return m[2] === 'argument missing' ? `option '${m[1]}' needs a value` : `option '${m[1]}' takes no value`;
      return first.replace(/^Option/, 'option');
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /Unexpected argument '([^']*)'/.exec(first)?.[1];
      return arg !== undefined ? `unexpected argument '${arg}'` : first;
    }
    default:
      return first;
  }
}

/**
 * The known name closest to `name`: the only one it is a prefix of, else the one within a
 * couple of typing slips (optimal string alignment distance: swaps count as one slip).
 */
export function nearestOption(name: string, known: readonly string[]): string | undefined {
  if (name === '') return undefined;
  const prefixed = known.filter((k) => k.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  const limit = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein distance, optimal string alignment variant. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}
