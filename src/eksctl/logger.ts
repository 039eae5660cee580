/**
 * eksctl's progress lines (github.com/kris-nova/logger as eksctl configures it):
 * `2024-08-11 19:24:10 [ℹ]  message`, one icon per level, written to stderr so that stdout
 * carries only results.
 */
export type LogLevel = 'info' | 'warning' | 'success' | 'critical';

const ICONS: Record<LogLevel, string> = { info: 'ℹ', warning: '!', success: '✔', critical: '✖' };

export interface Logger {
  info(msg: string): void;
  warning(msg: string): void;
  success(msg: string): void;
  critical(msg: string): void;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time as eksctl prints it: `YYYY-MM-DD HH:MM:SS`. */
export function timestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatLine(level: LogLevel, msg: string, at: Date): string {
  return `${timestamp(at)} [${ICONS[level]}]  ${msg}\n`;
}

export function streamLogger(write: (s: string) => void, now: () => Date = () => new Date()): Logger {
  const log = (level: LogLevel) => (msg: string) => write(formatLine(level, msg, now()));
  return { info: log('info'), warning: log('warning'), success: log('success'), critical: log('critical') };
}

/** Records lines (level, message) for tests. */
export function memoryLogger(): Logger & { readonly lines: { level: LogLevel; msg: string }[] } {
  const lines: { level: LogLevel; msg: string }[] = [];
  const log = (level: LogLevel) => (msg: string) => void lines.push({ level, msg });
  return { lines, info: log('info'), warning: log('warning'), success: log('success'), critical: log('critical') };
}
