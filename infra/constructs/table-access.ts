import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { tables, type FunctionDeclaration, type TableDeclaration, type TableKey } from '../../shared/platform/resources.js';
import type { HandlerFunction } from './handler-function.js';

/**
 * The DynamoDB access a function declares, and nothing else: one statement per table with exactly
 * the declared item actions on the table, and dynamodb:Query on each declared index by its own ARN.
 * No CDK grant helper: grantReadData adds Scan and ConditionCheckItem, grantReadWriteData adds
 * DeleteItem and BatchWriteItem, none of which most functions ever send.
 */
export function grantTableAccess(handler: HandlerFunction, declaration: FunctionDeclaration, deployed: Record<TableKey, dynamodb.Table>): void {
  const touched = new Set<TableKey>([...(Object.keys(declaration.tables) as TableKey[]), ...(Object.keys(declaration.queriesIndexes ?? {}) as TableKey[])]);
  for (const key of touched) {
    const table = deployed[key];
    handler.addEnvironment(tables[key].env, table.tableName);
    const operations = [...new Set(declaration.tables[key] ?? [])];
    const prefixes = declaration.keyPrefixes?.[key];
    if (prefixes?.length && operations.includes('Scan')) throw new Error(`${declaration.entry} scans ${tables[key].name}, which no key prefix can limit.`);
    if (operations.length) {
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: operations.map((operation) => `dynamodb:${operation}`),
          resources: [table.tableArn],
          ...(prefixes?.length ? { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } } } : {}),
        }),
      );
    }
    const declaredIndexes = ((tables[key] as TableDeclaration).indexes ?? []).map((index) => index.name);
    for (const index of declaration.queriesIndexes?.[key] ?? []) {
      if (!declaredIndexes.includes(index))
        throw new Error(`${declaration.entry} queries index ${index}, which the ${tables[key].name} table does not declare.`);
      handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${index}`] }));
    }
  }
}
