import { modelResourceArn } from './models.js';

/**
 * The IAM action and resource each operation is authorized for, from the Service Authorization
 * Reference for Amazon Bedrock (the action catalog): ListFoundationModels has no resource type
 * (`*`), GetFoundationModel and InvokeModel act on the `foundation-model` resource
 * `arn:${Partition}:bedrock:${Region}::foundation-model/${ResourceId}`. Converse has no action of
 * its own: the API reference says "This operation requires permission for the
 * bedrock:InvokeModel action", and AWS's denials of Converse name bedrock:InvokeModel.
 */
export type BedrockOperation = 'ListFoundationModels' | 'GetFoundationModel' | 'InvokeModel' | 'Converse';

export const OPERATION_ACTIONS: Readonly<Record<BedrockOperation, string>> = {
  ListFoundationModels: 'bedrock:ListFoundationModels',
  GetFoundationModel: 'bedrock:GetFoundationModel',
  InvokeModel: 'bedrock:InvokeModel',
  Converse: 'bedrock:InvokeModel',
};

export interface AuthorizationTarget {
  readonly action: string;
  readonly resource: string;
}

/** What to authorize for an operation whose (validated) input names `modelIdentifier` or `modelId`. */
export function authorizationTarget(op: BedrockOperation, region: string, input: Record<string, unknown>): AuthorizationTarget {
  const action = OPERATION_ACTIONS[op];
  switch (op) {
    case 'ListFoundationModels':
      return { action, resource: '*' };
    case 'GetFoundationModel':
      return { action, resource: modelResourceArn(region, input['modelIdentifier'] as string) };
    case 'InvokeModel':
    case 'Converse':
      return { action, resource: modelResourceArn(region, input['modelId'] as string) };
  }
}
