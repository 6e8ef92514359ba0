import { prepareUsageDirectory } from '../support/iam-findings';

export default prepareUsageDirectory;
