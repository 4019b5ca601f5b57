import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * Who may sign in to the console when no other OIDC provider is configured: a Cognito user pool
 * with one group per console role, no self sign-up, MFA required, and the hosted UI on a
 * Cognito domain. The console is a public OIDC client (authorization code with PKCE), so no client
 * secret has to be carried from the pool into the function.
 */

/** The console roles (shared/console/session.ts), one Cognito group each. */
const ROLE_GROUPS = [
  ['viewer', 'Looks people up and reads their record, history and health'],
  ['agent', 'Also records requests (letters, calls) in the console'],
  ['compliance-admin', 'Also manages API keys and exports proofs'],
] as const;

export interface ConsoleSignInProps {
  /** Where the console is served, without a trailing slash: the callback is `${baseUrl}/console/callback`. */
  readonly baseUrl: string;
  /** The hosted UI's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`); unique per region. */
  readonly domainPrefix?: string;
}

export class ConsoleSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** What the console function is given: CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID. */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ConsoleSignInProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: 'optout-hub-console',
      // Administrators invite staff; nobody signs themselves up for a compliance console.
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (advanced security) is a paid feature plan; every console user must pass MFA, self sign-up is off, and every console action is logged with the user. Enable it per deployment where required.',
    });
    for (const [name, description] of ROLE_GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group${name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: name,
        description,
      });
    }
    this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `optout-hub-console-${Aws.ACCOUNT_ID}` },
    });
    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${props.baseUrl}/console/callback`],
        logoutUrls: [`${props.baseUrl}/console/sign-in`],
      },
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    this.environment = {
      CONSOLE_OIDC_ISSUER: this.userPool.userPoolProviderUrl,
      CONSOLE_OIDC_CLIENT_ID: this.client.userPoolClientId,
    };
  }
}
