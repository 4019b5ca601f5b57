import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The repository root, found from this module's own location rather than process.cwd(), so
 * `cdk synth`, vitest and any other caller bundle the same files whatever directory they run in.
 */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every function logs under this service name, matching shared/platform/logger.ts. */
const SERVICE_NAME = 'optout-hub';

/**
 * ESM bundles cannot call `require`, but CommonJS dependencies bundled into them still do
 * (twilio, for one, requires Node built-ins). Defining it from import.meta.url keeps them working.
 */
const REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface HandlerFunctionProps {
  /** Handler module path relative to the repository root, exactly as declared in shared/platform/resources.ts. */
  readonly entry: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /**
   * Handlers answer HTTP requests or stream batches of small writes; 10 seconds is far above
   * their normal latency and well under API Gateway's 30-second integration limit.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * 512 MB buys enough CPU (Lambda scales CPU with memory) for a fast cold start of a bundle
   * that includes the powertools and twilio, without paying for memory the handlers never use.
   * @default 512
   */
  readonly memorySize?: number;
}

/**
 * One optout-hub Lambda handler with the project's defaults: its own role (no managed policies,
 * so every permission it has is granted explicitly by the stack), its own retained log group and
 * a local esbuild bundle. It is grantable itself: `table.grantReadData(handler)` grants to its role.
 */
export class HandlerFunction extends Construct implements iam.IGrantable {
  readonly lambda: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);

    /**
     * Opt-out handling is audit-relevant (proof of when a stop request was received and
     * honoured), so logs are kept a year and survive the stack being deleted.
     */
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
      /**
       * A second net behind redact(): should a phone number or an email reach a log line raw (an
       * SDK error echoing a request, say), CloudWatch masks it for anyone without logs:Unmask.
       */
      dataProtectionPolicy: new logs.DataProtectionPolicy({
        name: 'optout-hub-addresses',
        description: 'Masks phone numbers and email addresses that reach the optout-hub function logs',
        identifiers: [
          logs.DataIdentifier.EMAILADDRESS,
          logs.DataIdentifier.PHONENUMBER_US,
          logs.DataIdentifier.PHONENUMBER_GB,
          logs.DataIdentifier.PHONENUMBER_FR,
          logs.DataIdentifier.PHONENUMBER_DE,
          logs.DataIdentifier.PHONENUMBER_ES,
          logs.DataIdentifier.PHONENUMBER_IT,
          logs.DataIdentifier.PHONENUMBER_BR,
        ],
      }),
    });

    /**
     * A role without AWSLambdaBasicExecutionRole: that managed policy lets a function write to
     * any log group, while this one may only write to its own.
     */
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the optout-hub ${id} handler`,
    });
    this.logGroup.grantWrite(this.role);

    this.lambda = new NodejsFunction(this, 'Function', {
      entry: join(repositoryRoot, props.entry),
      description: props.description,
      /** The runtime optout-hub is specified for; the bundle target below matches it. */
      runtime: lambda.Runtime.NODEJS_22_X,
      /** Graviton: cheaper per GB-second and nothing in the bundle is architecture-specific. */
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      /** A signal's path (webhook → store → stream → fan-out → queue) is only traceable end to end with X-Ray. */
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        /** Stack traces point at the TypeScript sources instead of the minified bundle. */
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        ...props.environment,
      },
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      bundling: {
        /** Synth must work on machines and CI runners without Docker; esbuild is a dev dependency. */
        forceDockerBundling: false,
        /** The sources are ESM (top-level imports with `.js` suffixes); keep the output ESM too. */
        format: OutputFormat.ESM,
        /** Prefer packages' ESM builds so tree-shaking works. */
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        /**
         * The nodejs22.x runtime ships the whole AWS SDK v3, including lib-dynamodb and
         * util-dynamodb, so leaving every @aws-sdk package out keeps the client and its document
         * wrapper from the same (runtime) release. The powertools are not in the runtime and
         * must stay bundled, which is why this lists @aws-sdk only.
         */
        externalModules: ['@aws-sdk/*'],
      },
    });
    this.grantPrincipal = this.lambda.grantPrincipal;

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime optout-hub is specified for and its bundles target (node22); moving runtimes is a deliberate, tested upgrade rather than something a newer CDK release decides.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; test/infra checks that "*" is granted for nothing else.',
      },
    );
  }

  addEnvironment(key: string, value: string): void {
    this.lambda.addEnvironment(key, value);
  }
}
