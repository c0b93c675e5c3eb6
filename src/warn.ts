/**
 * One warning per code and process, through `process.emitWarning` where the runtime has
 * it (Node, Deno, Bun) and `console.warn` elsewhere: a mistake made in a loop is reported
 * once, not per request.
 */
const warned = new Set<string>();

/** Warns once about `code`; `deprecation` makes it a `DeprecationWarning`. */
export function warnOnce(code: string, message: string, deprecation = false): void {
  if (warned.has(code)) return;
  warned.add(code);
  const emit =
    typeof process === 'object' && process !== null && typeof process.emitWarning === 'function'
      ? process.emitWarning.bind(process)
      : undefined;
  if (emit) emit(message, { type: deprecation ? 'DeprecationWarning' : 'Warning', code });
  else console.warn(`${code}: ${message}`);
}
