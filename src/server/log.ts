/**
 * The server's log: one line per event on stderr. Request logs name the operation, status and
 * time — never parameters, tokens, signatures or keys.
 */
export interface Logger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

export function stderrLogger(quiet = false): Logger {
  return {
    info: (m) => {
      if (!quiet) process.stderr.write(`${new Date().toISOString()} ${m}\n`);
    },
    error: (m, err) => {
      const detail = err instanceof Error ? `\n${err.stack ?? err.message}` : err === undefined ? '' : ` ${String(err)}`;
      process.stderr.write(`${new Date().toISOString()} ERROR ${m}${detail}\n`);
    },
  };
}
