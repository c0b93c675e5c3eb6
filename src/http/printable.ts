/** Making what a server sends safe to show in a message or on a terminal. */

/**
 * Terminal controls: ESC sequences (CSI `ESC [ … final`, OSC/DCS/PM/APC strings up to BEL
 * or `ESC \\`, any other `ESC x`), then the remaining C0 controls, DEL, C1 controls and
 * the bidirectional overrides that reorder what is shown.
 */
const CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[^[\]PX^_]?|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` without anything a terminal would act on: what a server sends (a reason phrase,
 * a header, a name) is printed through this, so it can only ever show as text.
 */
export function printable(text: string): string {
  return text.replace(CONTROLS, '');
}
