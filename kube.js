// Entry point `wukong-iac/kube`: planning and applying against a cluster (the code `wukong apply` runs).
module.exports = require('./lib/src/kube');
