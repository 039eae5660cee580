/**
 * Command-line handling shared by the eksctl-compatible commands: eksctl's flag spellings
 * (`--flag value`, `--flag=value`, `--approve=false`, repeated or comma-separated
 * `--attach-policy-arn`, `--tags k=v,k2=v2`) and its messages for missing flags.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EksctlError, type Tag } from './ports.js';

export class FlagError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** parseArgs, accepting `--bool=true|false` as eksctl (pflag) does. */
export function parseFlags(argv: readonly string[], options: Options): Parsed {
  const args: string[] = [];
  const negated = new Set<string>();
  for (const a of argv) {
    const m = /^--([^=]+)=(true|false)$/.exec(a);
    const opt = m ? options[m[1] as string] : undefined;
    if (m && opt?.type === 'boolean') {
      if (m[2] === 'true') args.push(`--${m[1] as string}`);
      else negated.add(m[1] as string);
    } else args.push(a);
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    for (const n of negated) values[n] = false;
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
}

/** Repeated and comma-separated values, as pflag's StringSlice. */
export function stringSlice(v: string | boolean | string[] | undefined): string[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `k1=v1,k2=v2` (repeatable), as pflag's StringToString. */
export function tagsFlag(v: string | boolean | string[] | undefined): Tag[] {
  const out: Tag[] = [];
  for (const pair of stringSlice(v)) {
    const i = pair.indexOf('=');
    if (i < 1) throw new FlagError(`--tags: \`${pair}\` must be formatted as key=value`);
    out.push({ key: pair.slice(0, i), value: pair.slice(i + 1) });
  }
  return out;
}

export function str(v: string | boolean | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined;
}

/** eksctl `ErrMustBeSet`. */
export function mustBeSet(flag: string): EksctlError {
  return new EksctlError(`${flag} must be set`);
}

/** A single positional name, as eksctl's `GetNameArg`; a flag and an argument together are refused (`ErrFlagAndArg`). */
export function nameFrom(flagName: string, flag: string | undefined, positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) throw new FlagError('only one argument is allowed to be used as a name');
  const arg = positionals[0]?.trim();
  if (flag && arg) throw new FlagError(`${flagName}=${flag} and argument ${arg} cannot be used at the same time`);
  return flag || arg || undefined;
}
