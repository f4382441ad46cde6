/** The examples as the suites need them: every object they synthesize, built in this process. */
import { App } from 'cdk8s';
import { TS_EXAMPLES, wukongExampleApp, wukongExamples } from '../../../examples/main';
import { PRINT_WARNINGS_CONTEXT } from '../../../src';
import { Manifest } from '../../support/manifests';

/** Every object the examples synthesize (TypeScript and Wukong YAML), as cdk8s writes them. */
export function exampleObjects(): Manifest[] {
  const apps = [
    ...Object.values(TS_EXAMPLES).map(build => {
      const app = new App();
      app.node.setContext(PRINT_WARNINGS_CONTEXT, false);
      build(app);
      return app;
    }),
    ...wukongExamples().map(file => wukongExampleApp(file, undefined, false)),
  ];
  return apps.flatMap(app => app.charts.flatMap(chart => chart.toJson() as Manifest[]));
}
