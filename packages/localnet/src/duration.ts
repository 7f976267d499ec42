// Human durations for the CLI and config: "5s", "500ms", "1.5s", "2m" or plain milliseconds.

/** Parses "5s", "500ms", "1.5s", "2m" or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration: ${text}`);
  const n = Number(m[1]);
  const ms = m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
  return Math.round(ms);
}
