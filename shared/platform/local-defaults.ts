/**
 * Where the system `npm start` runs on this machine listens, and what its emulators accept.
 * Here rather than in infra/local so the operator CLI, which only talks to that system, never
 * loads the emulators themselves (devDependencies, absent from a production install).
 */

/** The ports `npm start` uses when PORT, DYNAMODB_PORT and SQS_PORT are not set. */
export const localPorts = {
  http: 3000,
  dynamodb: 8000,
  sqs: 4566,
} as const;

/** Credentials and region the emulators accept; they check neither. */
export const localAwsEnvironment = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

/** An emulator's address on this machine. */
export function localEndpoint(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** AWS SDK client options for an emulator at `endpoint`. */
export function localClientOptions(endpoint: string) {
  return {
    region: localAwsEnvironment.AWS_REGION,
    credentials: { accessKeyId: localAwsEnvironment.AWS_ACCESS_KEY_ID, secretAccessKey: localAwsEnvironment.AWS_SECRET_ACCESS_KEY },
    endpoint,
  };
}
