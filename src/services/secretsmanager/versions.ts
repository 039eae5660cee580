import { smErrors } from './errors.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, LIMITS, type VersionMeta } from './model.js';

/**
 * Staging labels ("Secrets Manager concepts" › version, PutSecretValue › VersionStages,
 * UpdateSecretVersionStage): a label is on at most one version of a secret; attaching it to one
 * version takes it from another. Moving AWSCURRENT moves AWSPREVIOUS to the version AWSCURRENT
 * left. A version without labels is deprecated: it is kept (ListSecretVersionIds
 * IncludeDeprecated) until more than 100 deprecated versions exist, and never within 24 hours of
 * its creation.
 */

function sortStages(v: VersionMeta): void {
  v.stages.sort();
}

function removeLabel(versions: VersionMeta[], label: string, except?: string): void {
  for (const v of versions) if (v.id !== except) v.stages = v.stages.filter((s) => s !== label);
}

/** The version holding `label`, if any. */
export function holderOf(versions: readonly VersionMeta[], label: string): VersionMeta | undefined {
  return versions.find((v) => v.stages.includes(label));
}

/**
 * Attaches the labels of a new version (PutSecretValue, UpdateSecret, CreateSecret). When
 * AWSCURRENT moves, the version it left gets AWSPREVIOUS, and loses AWSPENDING if it held both
 * (a finished rotation: AWS-validated LocalStack snapshot
 * test_update_secret_version_stages_current_pending).
 */
export function attachNewVersion(versions: VersionMeta[], added: VersionMeta): void {
  const oldCurrent = added.stages.includes(AWSCURRENT) ? holderOf(versions, AWSCURRENT) : undefined;
  for (const label of added.stages) removeLabel(versions, label);
  if (oldCurrent) {
    removeLabel(versions, AWSPREVIOUS);
    oldCurrent.stages = oldCurrent.stages.filter((s) => s !== AWSPENDING);
    if (!added.stages.includes(AWSPREVIOUS)) oldCurrent.stages.push(AWSPREVIOUS);
    sortStages(oldCurrent);
  }
  sortStages(added);
  versions.push(added);
}

/**
 * UpdateSecretVersionStage. Messages for wrong version ids are the ones moto reproduces (text not
 * verified); the AWSCURRENT rules are the API reference's.
 */
export function moveStage(versions: VersionMeta[], stage: string, removeFrom: string | undefined, moveTo: string | undefined): void {
  const holder = holderOf(versions, stage);
  const find = (id: string): VersionMeta => {
    const v = versions.find((x) => x.id === id);
    if (!v) throw smErrors.invalidParameter(`Not a valid version: ${id}`);
    return v;
  };
  const target = moveTo === undefined ? undefined : find(moveTo);
  const source = removeFrom === undefined ? undefined : find(removeFrom);
  if (source && !source.stages.includes(stage)) throw smErrors.invalidParameter(`Version stage ${stage} not found in version ${source.id}`);
  if (holder && holder !== target && holder !== source) {
    throw smErrors.invalidParameter(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (stage === AWSCURRENT && !target) {
    throw smErrors.invalidParameter("You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.");
  }
  if (source) source.stages = source.stages.filter((s) => s !== stage);
  if (target && !target.stages.includes(stage)) {
    if (target.stages.length >= 20) throw smErrors.limitExceeded(`You can attach at most 20 staging labels to a version; version ${target.id} already has 20.`);
    target.stages.push(stage);
    sortStages(target);
  }
  if (stage === AWSCURRENT && source && target && source !== target) {
    removeLabel(versions, AWSPREVIOUS);
    source.stages.push(AWSPREVIOUS);
    sortStages(source);
  }
}

/** Drops deprecated versions past the quota, oldest first, sparing those under 24 hours old; returns the ids dropped. */
export function pruneDeprecated(versions: VersionMeta[], nowMs: number): string[] {
  const deprecated = versions.filter((v) => v.stages.length === 0).sort((a, b) => a.createdAt - b.createdAt);
  const excess = deprecated.length - LIMITS.deprecatedVersionsKept;
  if (excess <= 0) return [];
  const drop = deprecated.slice(0, excess).filter((v) => nowMs - v.createdAt >= LIMITS.deprecatedVersionMinAgeMs);
  const ids = new Set(drop.map((v) => v.id));
  for (let i = versions.length - 1; i >= 0; i--) if (ids.has((versions[i] as VersionMeta).id)) versions.splice(i, 1);
  return [...ids];
}

/** VersionIdsToStages / SecretVersionsToStages: versions that hold labels. */
export function versionsToStages(versions: readonly VersionMeta[]): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  for (const v of versions) if (v.stages.length) out[v.id] = [...v.stages];
  return out;
}
