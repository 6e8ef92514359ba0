// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
import '../../local/stepfunctions/polyfills';
