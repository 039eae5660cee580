/**
 * Wires the eksctl commands to irsa-local: the AWS endpoint and administrator credentials of a
 * data directory (as `irsa env` prints them), and the Kubernetes API through a kubeconfig.
 */
import { randomBytes } from 'node:crypto';
import { eksApi, iamApi, type AwsClientConfig } from './aws-clients.js';
import { kubeApi, kubeconfigSource, loadKubeConfig } from './kube-client.js';
import type { Logger } from './logger.js';
import type { EksApi, IamApi, KubeApi } from './ports.js';
import { randomSuffix } from './role-name.js';

export interface Session {
  readonly region: string;
  readonly eks: EksApi;
  readonly iam: IamApi;
  /** The Kubernetes API of the cluster whose API server is `endpoint` (opened on first use). */
  readonly kube: (endpoint: string | undefined) => KubeApi;
  readonly suffix: () => string;
}

export function openSession(aws: AwsClientConfig, opts: { dataDir: string; kubeconfig?: string | undefined; log: Logger }): Session {
  let kube: KubeApi | undefined;
  return {
    region: aws.region,
    eks: eksApi(aws),
    iam: iamApi(aws),
    kube(endpoint) {
      if (!kube) {
        const loaded = loadKubeConfig(kubeconfigSource(opts.kubeconfig, opts.dataDir), endpoint);
        if (loaded.mismatch) opts.log.warning(loaded.mismatch);
        kube = kubeApi(loaded.kc);
      }
      return kube;
    },
    suffix: () => randomSuffix((n) => randomBytes(n)),
  };
}
