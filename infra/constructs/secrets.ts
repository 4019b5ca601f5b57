import { RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretEnv, secretGroups, type FunctionDeclaration, type SecretGroupKey } from '../../shared/platform/resources.js';
import type { HandlerFunction } from './handler-function.js';

/**
 * The value every secret is created with: an empty JSON object. It is a constant, so no stack
 * edit ever changes it and CloudFormation never writes it again after the first deploy: the
 * values operators put there (put-secret-value) stay until they change them. A name missing from
 * the object is unset, so webhooks and API calls are refused until the real value is there.
 */
export const EMPTY_SECRET_VALUE = '{}';

export interface OptoutHubSecretsProps {
  /**
   * The ARN of the single config secret of earlier releases (every name in one JSON object).
   * Functions then also read it, after their own secret, so values can be moved over without a
   * moment of refused webhooks; remove it once they are.
   */
  readonly legacyConfigSecretArn?: string;
}

/**
 * One Secrets Manager secret per provider or purpose (secretGroups in shared/platform/resources.ts),
 * each named `${stackName}/${name}`, retained with the stack, and readable only by the functions
 * that declare it.
 */
export class OptoutHubSecrets extends Construct {
  readonly secrets: Record<SecretGroupKey, secretsmanager.Secret>;
  private readonly legacyConfigSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: OptoutHubSecretsProps = {}) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.secrets = Object.fromEntries(
      (Object.keys(secretGroups) as SecretGroupKey[]).map((key) => {
        const group = secretGroups[key];
        const secret = new secretsmanager.Secret(this, pascal(group.name), {
          secretName: `${stackName}/${group.name}`,
          description: `optout-hub: ${group.description} (JSON: ${group.keys.join(', ')})`,
          secretStringValue: SecretValue.unsafePlainText(EMPTY_SECRET_VALUE),
          /** Operators put issued keys and provider tokens here; deleting the stack must not revoke them. */
          removalPolicy: RemovalPolicy.RETAIN,
        });
        Validations.of(secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason:
            'The values are issued by others (provider consoles, integrators holding API keys, ESPs), so rotation is the operator procedure in docs/operations.md (old and new valid together, by key id where the scheme has one) that no rotation Lambda could perform alone.',
        });
        return [key, secret];
      }),
    ) as Record<SecretGroupKey, secretsmanager.Secret>;
    if (props.legacyConfigSecretArn) {
      this.legacyConfigSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'LegacyConfigSecret', props.legacyConfigSecretArn);
    }
  }

  /** Exactly the secrets a function declares: their ARNs in its environment and GetSecretValue on each. */
  grantDeclared(handler: HandlerFunction, declaration: FunctionDeclaration): void {
    const declared = declaration.secrets ?? [];
    if (!declared.length) return;
    const arns = declared.map((key) => {
      handler.addEnvironment(secretGroups[key].env, this.secrets[key].secretArn);
      return this.secrets[key].secretArn;
    });
    if (this.legacyConfigSecret) {
      handler.addEnvironment(secretEnv, this.legacyConfigSecret.secretArn);
      arns.push(this.legacyConfigSecret.secretArn);
    }
    // GetSecretValue only: the secrets use the AWS managed key, so no kms:Decrypt grant is needed.
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }));
  }
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
