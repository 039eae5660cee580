import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };
export type ParsedValues = Record<string, string | string[] | boolean | undefined>;

/**
 * A command's arguments, strictly parsed, with `-h/--help` added: undefined when help was asked
 * for (and printed); a UsageError carrying the help text for anything unknown or malformed.
 */
export function commandArgs(argv: string[], options: Record<string, OptionSpec>, help: string, allowPositionals = false): { values: ParsedValues; positionals: string[] } | undefined {
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals, options: { ...options, help: { type: 'boolean', short: 'h' } } }) as { values: ParsedValues; positionals: string[] };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
  if (parsed.values['help']) {
    process.stdout.write(`${help}\n`);
    return undefined;
  }
  return parsed;
}
