/**
 * The literals eksctl writes, each with where it comes from. irsa keeps them byte for byte so
 * that objects made by `irsa` and by eksctl are interchangeable (a ServiceAccount annotated by
 * one is recognised by the other, a role tagged by one is found by the other).
 */

/** The ServiceAccount annotation the pod identity webhook reads (eksctl `api.AnnotationEKSRoleARN`). */
export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** eksctl labels what it creates, and deletes only ServiceAccounts carrying it (pkg/kubernetes/serviceaccount.go). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'eksctl';

/** The only audience eksctl puts on an OIDC provider and in trust policies (pkg/iam/oidc/api.go `defaultAudience`). */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/**
 * Tags eksctl puts on the CloudFormation stack of an iamserviceaccount, which CloudFormation
 * copies onto the role (pkg/apis/eksctl.io/v1alpha5/types.go). Without CloudFormation, irsa puts
 * them on the role itself: a role carrying both cluster-name tags and the iamserviceaccount-name
 * tag is an iamserviceaccount's role, which `get` lists and `delete` removes.
 */
export const CLUSTER_NAME_TAG = 'alpha.eksctl.io/cluster-name';
export const OLD_CLUSTER_NAME_TAG = 'eksctl.cluster.k8s.io/v1alpha1/cluster-name';
export const IAM_SERVICE_ACCOUNT_NAME_TAG = 'alpha.eksctl.io/iamserviceaccount-name';

/** The logical id of the role in eksctl's iamserviceaccount template, part of the generated role name. */
export const ROLE_LOGICAL_ID = 'Role1';

/** IAM's limit on a role name (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html). */
export const MAX_ROLE_NAME = 64;

/** The cluster status eksctl requires before it touches a cluster (pkg/eks/api.go `CanOperate`). */
export const CLUSTER_ACTIVE = 'ACTIVE';
