import { defineConfig } from 'vitest/config';

/**
 * Test layers, as in the README: unit (pure domain), integration (real DynamoDB Local and fauxqs,
 * started once by test/support/global-setup.ts), e2e (the local runtime over HTTP) and infra
 * (CDK assertions on the synthesized stack).
 */
export default defineConfig({
  test: {
    env: {
      // Lambda runs Node 22; the SDK's notice about Node 20 on developer machines is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Every answer of a started system is checked against the OpenAPI document.
          setupFiles: ['test/support/contract-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
      },
    ],
  },
});
