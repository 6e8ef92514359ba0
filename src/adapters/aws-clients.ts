/*
 * One client per service per process, created at load so warm invocations reuse connections.
 * Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL_<SERVICE>), which is
 * how the local cloud points them at its stand-ins; nothing here knows where it runs.
 *
 * Each client lives in its own module under clients/, and adapters import only the one they use:
 * loading an SDK client package costs a cold start 10-40 ms, so a function that never calls Step
 * Functions, SNS or SQS does not load them (bench/: "Cold-start proxies"). This module gathers
 * them for code that wants all of them.
 */
export { dynamoDb, documentClient } from './clients/dynamodb';
export { sqs } from './clients/sqs';
export { sns } from './clients/sns';
export { stepFunctions } from './clients/sfn';
