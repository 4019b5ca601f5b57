/**
 * The shape of the house, checked in CI (`npm run depcruise`). shared/ is layered in the order a
 * signal's machinery builds up: a folder may import the ones before it, never one after it.
 * functions/, cli/ and infra/ sit on top; only shared/store (and infra, which provisions) talks
 * to DynamoDB or S3; nothing may form a cycle.
 */
const layers = ['core', 'platform', 'store', 'record', 'distribution', 'audit', 'connectors', 'http', 'intake', 'api', 'console'];

const layerRules = layers.slice(0, -1).map((layer, index) => ({
  name: `${layer}-stays-below`,
  comment: `shared/${layer} may import only ${
    layers
      .slice(0, index)
      .map((below) => `shared/${below}`)
      .join(', ') || 'libraries'
  } and itself.`,
  severity: 'error',
  from: { path: `^shared/${layer}/` },
  to: { path: `^shared/(${layers.slice(index + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'core-imports-no-library-of-the-platform',
      comment: 'The domain is plain functions over plain data: no AWS SDK, no HTTP framework.',
      severity: 'error',
      from: { path: '^shared/core/' },
      to: { path: '(^|/)node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|aws-cdk-lib)/' },
    },
    {
      name: 'only-store-talks-to-dynamodb-and-s3',
      comment: 'DynamoDB and S3 calls, and their key layout, live in shared/store.',
      severity: 'error',
      from: { path: '^(shared|functions|cli)/', pathNot: '^shared/store/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '(^|/)node_modules/@aws-sdk/(client-dynamodb|client-dynamodb-streams|lib-dynamodb|util-dynamodb|client-s3|lib-storage)/',
      },
    },
    {
      name: 'shared-below-its-users',
      comment: 'shared/ never imports the handlers, the CLI, the infrastructure, tests or benchmarks.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|cli|client|infra|test|bench)/' },
    },
    {
      name: 'handlers-and-cli-below-infra',
      comment: 'Handlers and the operator CLI run without the CDK app or the local emulators.',
      severity: 'error',
      from: { path: '^(functions|cli)/' },
      to: { path: '^(infra|test|bench)/' },
    },
    {
      name: 'client-ships-without-the-server',
      comment: 'The typed client takes only types from shared/ (the API schemas), so it runs with nothing of the server.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(shared|functions|cli|infra|test|bench)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
