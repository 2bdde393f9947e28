import { defineWorkload } from '../workload.js';
import { MandelbrotWorkload, type MandelbrotWorkloadProps } from './mandelbrot-workload.js';
import { mandelbrotClusterSettings, mandelbrotPlatformSettings, stageRouteProblems } from './settings.js';

/** What the settings files decide of MandelbrotWorkloadProps; the cluster and the source files follow from the context. */
export type MandelbrotSettingsProps = Omit<
  MandelbrotWorkloadProps,
  'cloud' | 'region' | 'sourceFiles' | 'previousConfigMaps' | 'analysis' | 'trafficRouter'
>;

/** The Mandelbrot service: a canary Rollout operators promote. */
export const mandelbrot = defineWorkload({
  name: 'mandelbrot',
  namespace: 'mandelbrot',
  platformSettings: mandelbrotPlatformSettings,
  clusterSettings: mandelbrotClusterSettings,
  rollout: { name: 'mandelbrot', namespace: 'mandelbrot', releaseVariable: 'MANDELBROT_RELEASE' },
  filesFolder: 'services/mandelbrot',
  releaseField: 'release',
  referencedKinds: MandelbrotWorkload.ANALYSIS_KINDS,
  props: (platform, cluster): MandelbrotSettingsProps => ({
    ...cluster,
    release: cluster.release ?? platform.release,
    canaryWeights: cluster.canaryWeights ?? platform.canaryWeights,
    stageRoute: platform.stageRoute,
  }),
  settingsProblems: stageRouteProblems,
  build: (scope, props, context) => {
    if (context.files === undefined) throw new Error('the mandelbrot workload needs the service source files');
    return new MandelbrotWorkload(scope, 'Mandelbrot', {
      cloud: context.cloud,
      region: context.region,
      sourceFiles: context.files,
      previousConfigMaps: context.previousConfigMaps,
      analysis: context.analysis,
      trafficRouter: context.trafficRouter,
      ...props,
    });
  },
});
