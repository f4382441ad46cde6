import { Chart, Testing } from 'cdk8s';
import { Manifest } from './manifests';
import { PRINT_WARNINGS_CONTEXT } from '../../src';

/** A chart in a fresh app that does not print warnings at synth (tests read them from `vm.warnings`). */
export function quietChart(): Chart {
  const chart = Testing.chart();
  chart.node.setContext(PRINT_WARNINGS_CONTEXT, false);
  return chart;
}

/** Builds a chart in a fresh, quiet app and returns its synthesized objects. */
export function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = quietChart();
  build(chart);
  return Testing.synth(chart);
}
