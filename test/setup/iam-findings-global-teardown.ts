import { printFindings } from '../support/iam-findings';

export default printFindings;
