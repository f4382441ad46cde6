// Entry point `wukong-iac/pulumi`: the Pulumi component and dynamic resource (kept apart from the cdk8s constructs).
module.exports = require('./lib/src/pulumi');
