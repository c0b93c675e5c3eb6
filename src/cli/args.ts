import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommand} returns: each flag's value, typed by its declaration. */
export interface Parsed<O extends Options> {
  values: {
    [K in keyof (O & typeof commonOptions)]?: (O & typeof commonOptions)[K] extends {
      type: 'boolean';
    }
      ? boolean
      : (O & typeof commonOptions)[K] extends { multiple: true }
        ? string[]
        : string;
  };
  positionals: string[];
}

/** The flags every command accepts. */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * `parseArgs` in strict mode, with its errors turned into {@link UsageError}s that name
 * the offending flag.
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
): Parsed<O> {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...commonOptions, ...options },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted ?? ''}`.trimEnd();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted?.split(' ')[0] ?? 'a flag';
      return /argument missing/.test(e.message ?? '')
        ? `${flag} needs a value`
        : `${flag} does not take a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ? `'${quoted}'` : ''}`.trimEnd();
    default:
      return e.message ?? String(error);
  }
}

/** A number flag: finite, at least `min`, an integer when asked. */
export function numberFlag(
  flag: string,
  value: string | undefined,
  rule: { min?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const min = rule.min ?? 0;
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || n < min || (rule.integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be ${kind} >= ${min}, got '${value}'`);
  }
  return n;
}

/** A flag that takes one of a few words. */
export function choiceFlag<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}
