/**
 * Errors of the pod runner, with stable codes so callers can map them (the embedded API to a
 * `Status` reason, `irsa exec` to an exit code) without matching on text. Messages follow the
 * kube-apiserver and kubelet wording where one exists.
 */
export type PodRunnerErrorCode =
  /** `-c NAME` names no container of the pod (apiserver: `container X is not valid for pod Y`). */
  | 'ContainerNotFound'
  /** The pod has no containers at all. */
  | 'NoContainers'
  /** A Secret or ConfigMap the container's env needs does not exist and is not optional. */
  | 'ReferenceNotFound'
  /** A key of an existing Secret or ConfigMap is missing and the reference is not optional. */
  | 'KeyNotFound'
  /** A `fieldRef` / `resourceFieldRef` the kubelet would reject. */
  | 'UnsupportedField'
  /** A projected volume path that escapes its volume (absolute or `..`). */
  | 'InvalidVolumePath'
  /** The executable could not be found or started (exit 127 / 126 in a shell). */
  | 'SpawnFailed'
  /** TokenRequest failed when a projected token was first needed. */
  | 'TokenRequestFailed';

export class PodRunnerError extends Error {
  constructor(
    readonly code: PodRunnerErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PodRunnerError';
  }
}
