import { JsonFile, javascript, typescript } from 'projen';

// The CRDs `cdk8s import` turns into the classes under imports/ (one file per API group).
const IMPORTED_CRDS = [
  'crds/kubevirt.io_virtualmachines.yaml',
  'crds/k8s.cni.cncf.io_network-attachment-definitions.yaml',
  'crds/kubeovn.io_subnets.yaml',
];

/** Pulumi 3.249 is the first release for Node ≥ 22 (3.248 is the last for Node 20). */
const PULUMI_PEER = '^3.249.0';
const PULUMI_NEWEST = '3.276.0';
const PULUMI_K8S_PEER = '^4.34.0';

/**
 * ES-module packages ts-jest transforms for jest (the Kubernetes client and the ESM packages of its dependency closure,
 * those whose package.json says "type": "module"). Jest 30 loads
 * them natively only on Node ≥ 24.9 with vm modules enabled; on Node 22 it cannot (tried: "Must use import to load ES
 * Module"), so this is still the one set-up that works on both supported lines.
 */
const ESM_PACKAGES = `/node_modules/(?!(${[
  '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'socks-proxy-agent', 'agent-base', 'jsonpath-plus', 'jsep',
  '@jsep-plugin/assignment', '@jsep-plugin/regex', 'rfc4648',
].join('|')})/)`;

/** Compiler options for those packages: transpile only (type-checking their JavaScript would take a minute). */
const ESM_TRANSPILE = { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'es2020', esModuleInterop: true };

const project = new typescript.TypeScriptProject({
  name: 'wukong-iac',
  description: 'Multi-NIC KubeVirt VMs as typed code: cdk8s constructs, a Pulumi dynamic provider and the wukong CLI.',
  license: 'Apache-2.0',
  copyrightOwner: 'Wukong authors',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  typescriptVersion: '~5.9.3',
  // 22.15 is the first Node 22 with zlib zstd, which @kubernetes/client-node 2 (undici 8) needs at load time.
  minNodeVersion: '22.15.0',
  github: false,
  release: false,
  depsUpgrade: false,
  sampleCode: false,
  entrypoint: 'lib/src/index.js',
  entrypointTypes: 'lib/src/index.d.ts',
  bin: { wukong: 'lib/src/cli/main.js' },
  tsconfig: {
    // imports/ lives beside src/, so the compiler root is the repository.
    compilerOptions: { rootDir: '.' },
    include: ['imports/**/*.ts'],
  },
  // The Pulumi packages are optional peers: a cdk8s-only user never installs them (src/pulumi/require-pulumi.ts
  // names them when `wukong-iac/pulumi` is imported without them). The ranges admit every version the tests ran on.
  peerDeps: ['cdk8s@^2.70.0', 'constructs@^10.4.0', `@pulumi/pulumi@${PULUMI_PEER}`, `@pulumi/kubernetes@${PULUMI_K8S_PEER}`],
  peerDependencyOptions: { pinnedDevDependency: false },
  deps: ['cdk8s-plus-28@^2.5.6', '@kubernetes/client-node@^2.0.1', 'ipaddr.js@^2.2.0', 'yaml@^2.8.0'],
  devDeps: [
    // The lowest cdk8s and constructs the peer ranges admit, so the suites prove the floor.
    'cdk8s@2.70.0', 'constructs@10.4.0',
    // The newest Pulumi (the consumer test also installs the oldest the peer range admits).
    `@pulumi/pulumi@${PULUMI_NEWEST}`, '@pulumi/kubernetes@4.34.2',
    // An app on the newest cdk8s-plus line uses the constructs too (test/cdk8s/cdk8s-plus-34.test.ts).
    'cdk8s-plus-34@^2.0.54',
    '@types/node@^22',
    // The API reference (`npx projen docs`), from the TSDoc.
    'typedoc@^0.28.20',
    'cdk8s-cli@^2.207.0', 'ajv@^8.17.0', 'ts-node@^10.9.2', '@types/ws@^8', '@grpc/grpc-js@^1.14.0', 'google-protobuf@^3.21.4', 'fast-check@^4',
  ],
  // Tests resolve `wukong-iac/pulumi` as a user's program does (the Pulumi example imports it).
  tsconfigDev: { compilerOptions: { baseUrl: '..', paths: { 'wukong-iac/pulumi': ['src/pulumi'] } } },
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      transform: {
        '^.+\\.[t]sx?$': new javascript.Transform('ts-jest', { tsconfig: 'test/tsconfig.json' }),
        '^.+\\.jsx?$': new javascript.Transform('ts-jest', { tsconfig: ESM_TRANSPILE }),
      },
      transformIgnorePatterns: [ESM_PACKAGES],
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/test/integration/'],
      // What a user's program imports, mapped to the sources (the Pulumi example is tested as written).
      moduleNameMapper: { '^wukong-iac/pulumi$': '<rootDir>/src/pulumi' },
      coveragePathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/imports/', '/test/'],
    },
  },
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'projenrc'] },
  gitignore: ['/dist/', '/.tmp/', '/bench/results/*.tmp.json', '/docs/api/'],
});

// Released versions are listed in CHANGELOG.md; bump both together.
project.package.addVersion('0.15.0');

// Lets eslint's type-aware rules and editors see the examples (ts-jest compiles them when tests import them).
new JsonFile(project, 'examples/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '..', baseUrl: '.', paths: { 'wukong-iac/pulumi': ['../src/pulumi'] } },
    include: ['**/*.ts'],
  },
});

// The benchmarks are run with ts-node (transpile only) and linted like the tests.
new JsonFile(project, 'bench/tsconfig.json', {
  obj: { extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '..' }, include: ['**/*.ts'] },
});

const importTask = project.addTask('import', {
  description: 'Regenerate imports/ from the CRD files under crds/ (commit the result; never hand-edit it)',
});
for (const crd of IMPORTED_CRDS) {
  importTask.exec(`cdk8s import --no-check-upgrade --no-save -l typescript -o imports ${crd}`);
}

// unrs-resolver (jest, eslint's import resolver) 1.13.0 lacks most platform bindings on the registry, and `npm ci`
// refuses a lockfile with missing optional dependencies; 1.12.2 is complete.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });
// The package ships lib/, the CRDs, the examples and the README; the repository's tooling stays out.
for (const path of ['/bench/', '/scripts/', '/.ci/', '/test-reports/', '/coverage/']) project.npmignore?.exclude(path);
project.package.addField('peerDependenciesMeta', { '@pulumi/pulumi': { optional: true }, '@pulumi/kubernetes': { optional: true } });
// A fresh clone is usable after `npm ci` (`npx wukong …` runs lib/): npm runs `prepare` on a local install, never
// when the packed package (which ships lib/) is installed from the registry.
project.package.setScript('prepare', 'tsc --build');

// The Pulumi example imports `wukong-iac/pulumi` like a user's program; examples/tsconfig.json maps it to the sources.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/resolver.typescript', {
  project: ['./tsconfig.json', './examples/tsconfig.json'],
  alwaysTryTypes: true,
  noWarnOnMultipleProjects: true,
});

// A one-line coverage summary instead of projen's per-file table.
project.package.file.addOverride('jest.coverageReporters', ['json', 'lcov', 'clover', 'cobertura', 'text-summary']);

// Integration suites: a real kube-apiserver + etcd (scripts/test-env.sh) and cloud-init.
new JsonFile(project, 'test/integration/jest.config.json', {
  obj: {
    rootDir: '../..',
    displayName: 'integration',
    testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    globalSetup: '<rootDir>/test/integration/global-setup.ts',
    globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    transform: {
      '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
      '^.+\\.jsx?$': ['ts-jest', { tsconfig: ESM_TRANSPILE }],
    },
    transformIgnorePatterns: [ESM_PACKAGES],
    testTimeout: 180_000,
    moduleNameMapper: { '^wukong-iac/pulumi$': '<rootDir>/src/pulumi' },
    reporters: ['default', ['jest-junit', { outputDirectory: 'test-reports', outputName: 'integration.xml' }]],
  },
});

// `npm test`: build (the CLI tests run the real `wukong` bin from lib/), provision the test API server and cloud-init
// (cached after the first, ~4 minute, build), unit suites, integration suites, lint.
project.testTask.prependSpawn(project.compileTask);
const testEnv = project.addTask('test:env', {
  description: 'Provide kube-apiserver + etcd (built once from Debian packages, cached) and cloud-init for the integration suites',
  exec: 'bash scripts/test-env.sh --tolerate-unavailable',
});
project.addTask('test:unit', { description: 'Only the fast unit suites (no API server)', exec: 'jest --ci', receiveArgs: true });
// The unit suites once more on the oldest supported Node line (scripts/node.sh pins and caches it); `npm test` itself
// runs on whatever Node is first on PATH (CI puts the pinned Node 24 there).
const unitNode22 = project.addTask('test:unit:node22', {
  description: 'The unit suites on the pinned Node 22 (installed from the npm registry and cached on first use)',
  exec: 'bash scripts/node.sh 22 -- jest --ci --coverage=false',
  receiveArgs: true,
});
const integration = project.addTask('test:integration', {
  description: 'Only the integration suites (real API server, cloud-init)',
  exec: 'jest --ci -c test/integration/jest.config.json',
  receiveArgs: true,
});
integration.prependSpawn(testEnv);
project.testTask.insertStep(2, { spawn: unitNode22.name });
project.testTask.insertStep(3, { spawn: integration.name });

// The API reference of the three entry points a user imports, from the TSDoc. Run by `npm test`, where a warning fails
// it: an export without TSDoc, a link that resolves nowhere, a type used but not exported.
const docs = project.addTask('docs', {
  description: 'Generate the API reference into docs/api/ (typedoc); fails on any warning',
  exec: 'typedoc',
});
new JsonFile(project, 'typedoc.json', {
  // typedoc rejects projen's "//" marker key.
  marker: false,
  obj: {
    entryPoints: ['src/index.ts', 'src/pulumi/index.ts', 'src/kube/index.ts'],
    out: 'docs/api',
    tsconfig: 'tsconfig.json',
    name: 'wukong-iac',
    readme: 'none',
    excludePrivate: true,
    // No remote to link sources to; the reference is read beside the checkout.
    disableSources: true,
    excludeInternal: true,
    treatWarningsAsErrors: true,
    validation: { notExported: true, invalidLink: true, notDocumented: true },
    // Types used by exports but not exports themselves: the L1 classes generated from the CRDs (imported from
    // wukong-iac/lib/imports/<group>, documented by their CRDs), and helpers of no use to a caller.
    intentionallyNotExported: [
      'VirtualMachine', 'NetworkAttachmentDefinition', 'NetworkAttachmentDefinitionProps', 'Subnet', 'SubnetProps',
      'ISharedNetworks', 'Addr', 'WithoutName',
    ],
    externalSymbolLinkMappings: {
      '@pulumi/pulumi': { CustomResource: 'https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/classes/customresource/' },
    },
    // Every export (classes, interfaces, functions, types, variables, enums) and its classes' methods and accessors.
    requiredToBeDocumented: ['Class', 'Interface', 'Function', 'TypeAlias', 'Variable', 'Enum', 'Method', 'Accessor'],
  },
});
project.testTask.spawn(docs);
project.npmignore?.exclude('/docs/api/');

// `npm run bench`: a report (table + bench/results/*.json), never a pass/fail test; needs the test API server.
const bench = project.addTask('bench', {
  description: 'Fleet synth, CLI synth, planner and apply-efficiency benchmarks, as ratios against in-run baselines',
  exec: 'ts-node --transpile-only bench/run.ts',
  receiveArgs: true,
});
bench.prependSpawn(testEnv);

project.addTask('synth:examples', {
  description: 'Synthesize every example into dist/ (same as `npx cdk8s synth`)',
  exec: 'cdk8s synth',
});

project.synth();
