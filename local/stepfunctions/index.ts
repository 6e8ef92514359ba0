export { LocalStepFunctions, type LocalStepFunctionsOptions } from './engine';
export { startStepFunctionsServer, type StepFunctionsServer } from './server';
export {
  awsServiceIntegrations,
  lambdaIntegration,
  dynamoDbIntegration,
  sqsIntegration,
  snsIntegration,
  functionError,
  type AwsIntegrationClients,
  type CommandSender,
  type InvokeFunction,
} from './integrations';
export { SfnApiError, TaskError, type SfnErrorCode } from './errors';
export { redactToken } from './task-tokens';
export type * from './types';
