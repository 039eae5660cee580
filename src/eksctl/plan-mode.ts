/**
 * eksctl's plan mode (pkg/ctl/cmdutils/cmdutils.go): without `--approve` a command describes what
 * it would do, prefixed `(plan) would`, and ends with a warning that nothing was applied.
 */
import type { Logger } from './logger.js';

/** eksctl `LogIntendedAction`: `will …`, or `(plan) would …` in plan mode. */
export function logIntendedAction(log: Logger, plan: boolean, msg: string): void {
  log.info(`${plan ? '(plan) would ' : 'will '}${msg}`);
}

/** eksctl `LogPlanModeWarning`. */
export function logPlanModeWarning(log: Logger, plan: boolean): void {
  if (plan) log.warning("no changes were applied, run again with '--approve' to apply the changes");
}
