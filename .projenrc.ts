import { JsonFile, javascript, typescript } from 'projen';

// The CRDs `cdk8s import` turns into the classes under imports/ (one file per API group).
const IMPORTED_CRDS = [
  'crds/kubevirt.io_virtualmachines.yaml',
  'crds/k8s.cni.cncf.io_network-attachment-definitions.yaml',
  'crds/kubeovn.io_subnets.yaml',
];

/** ES-module-only packages ts-jest must transform for jest (the Kubernetes client and its ESM dependencies). */
const ESM_PACKAGES = '/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)';

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
  // Without it projen asks for @types/node@ts5.9, a dist-tag the registry does not have.
  minNodeVersion: '20.19.0',
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
  peerDeps: ['cdk8s@^2.70.0', 'constructs@^10.4.0', '@pulumi/pulumi@~3.248.0'],
  deps: ['cdk8s-plus-28@^2.5.6', '@pulumi/kubernetes@^4.34.0', '@kubernetes/client-node@~1.4.0', 'ipaddr.js@^2.2.0', 'yaml@^2.8.0'],
  devDeps: ['cdk8s-cli@^2.207.0', 'ajv@^8.17.0', 'ts-node@^10.9.2', '@types/ws@^8', '@grpc/grpc-js@^1.14.0', 'google-protobuf@^3.21.4', 'fast-check@^4'],
  // Tests resolve `wukong-iac/pulumi` as a user's program does (the Pulumi example imports it).
  tsconfigDev: { compilerOptions: { baseUrl: '..', paths: { 'wukong-iac/pulumi': ['src/pulumi'] } } },
  // ts-jest also transforms the ES-module-only Kubernetes client (and its ESM dependencies), which jest's CommonJS
  // mode cannot require on Node 20 (node-toolchain.md).
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
  gitignore: ['/dist/', '/.tmp/', '/bench/results/*.tmp.json'],
});

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
const integration = project.addTask('test:integration', {
  description: 'Only the integration suites (real API server, cloud-init)',
  exec: 'jest --ci -c test/integration/jest.config.json',
  receiveArgs: true,
});
integration.prependSpawn(testEnv);
project.testTask.insertStep(2, { spawn: integration.name });

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
