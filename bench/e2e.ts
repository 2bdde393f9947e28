/**
 * The end-to-end drills' figures: `npm run e2e` as a whole, and the times and memory each drill
 * records while it runs. Selected with `npm run bench -- e2e`: it starts a cluster, so the
 * default bench leaves it out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMiB as formatMiBOf, formatSeconds as formatSecondsOf } from './measure.js';
import type { BenchTable } from './report.js';

export function run(): BenchTable[] {
  const scratch = mkdtempSync(join(tmpdir(), 'trinity-bench-e2e-'));
  try {
    const figuresFile = join(scratch, 'figures.json');
    const gitopsFiguresFile = join(scratch, 'gitops-figures.json');
    const analysisFiguresFile = join(scratch, 'analysis-figures.json');
    const trainFiguresFile = join(scratch, 'train-figures.json');
    const trafficFiguresFile = join(scratch, 'traffic-figures.json');
    const started = process.hrtime.bigint();
    const result = spawnSync('npm', ['run', 'e2e', '--silent'], {
      env: {
        ...process.env,
        E2E_FIGURES_FILE: figuresFile,
        E2E_GITOPS_FIGURES_FILE: gitopsFiguresFile,
        E2E_ANALYSIS_FIGURES_FILE: analysisFiguresFile,
        E2E_TRAIN_FIGURES_FILE: trainFiguresFile,
        E2E_TRAFFIC_FIGURES_FILE: trafficFiguresFile,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`npm run e2e failed (exit ${result.status}); its output is above`);
    const figures = JSON.parse(readFileSync(figuresFile, 'utf8')) as Record<string, number | undefined>;
    const gitops = JSON.parse(readFileSync(gitopsFiguresFile, 'utf8')) as Record<string, number | undefined>;
    const analysis = JSON.parse(readFileSync(analysisFiguresFile, 'utf8')) as Record<string, number | undefined>;
    const train = JSON.parse(readFileSync(trainFiguresFile, 'utf8')) as Record<string, number | undefined>;
    const traffic = JSON.parse(readFileSync(trafficFiguresFile, 'utf8')) as Record<string, number | undefined>;
    // A figure the drill did not record shows as NaN rather than stopping the report.
    const formatSeconds = (seconds: number | undefined) => formatSecondsOf(seconds ?? NaN);
    const formatMiB = (mib: number | undefined) => formatMiBOf(mib ?? NaN);
    const rows = [
      ['whole npm run e2e (start, drill, stop)', formatSeconds(seconds)],
      ['the suite in jest, from cluster start to teardown', formatSeconds(figures.drillSeconds)],
      ['real node: start of its processes to Node Ready', formatSeconds(figures.nodeReadySeconds)],
      ['pod start to Ready (slowest Mandelbrot pod of the first revision, whole seconds)', formatSeconds(figures.podStartToReadySeconds)],
      ['first revision: apply to Healthy', formatSeconds(figures.firstRevisionToHealthySeconds)],
      ['release: apply to Paused at 50% with both pods Ready', formatSeconds(figures.releaseApplyToPausedSeconds)],
      [
        'release: apply to 60 requests through the Service answered, by both releases',
        formatSeconds(figures.releaseApplyToServedByBothSeconds),
      ],
      [
        'requests answered at the pause: stable / canary',
        `${figures.requestsToStableAtPause ?? NaN} / ${figures.requestsToCanaryAtPause ?? NaN}`,
      ],
      ['promote to Healthy', formatSeconds(figures.promoteToHealthySeconds)],
      ['control plane peak memory (etcd, API server, controller manager, scheduler)', formatMiB(figures.controlPlanePeakMiB)],
      [
        'real node peak memory (containerd, kubelet, kube-proxy, shims, pods incl. the Rollouts controller)',
        formatMiB(figures.nodePeakMiB),
      ],
      ['canary analysis drill in jest, from cluster start to teardown', formatSeconds(analysis.drillSeconds)],
      [
        "bad canary: renders reaching it to the Rollout aborted, with dist/'s analysis settings (every 1m, failure limit 2)",
        formatSeconds(analysis.badCanaryLoadToAbortSeconds),
      ],
      ['GitOps drill in jest, from cluster start to teardown', formatSeconds(gitops.drillSeconds)],
      ['GitOps bootstrap: apply of the root to root and Mandelbrot Healthy', formatSeconds(gitops.bootstrapApplyToHealthySeconds)],
      ['GitOps release: npm run rollout -- sync to Paused at 50%', formatSeconds(gitops.syncToPausedSeconds)],
      [
        'GitOps Traefik: the commit turning it on to trinity-traefik-aws Synced and Healthy',
        formatSeconds(gitops.traefikCommitToHealthySeconds),
      ],
      [
        'GitOps weights: looks at the Mandelbrot Application while the controller moved them (10, 50, 100) / of those while Git changed the TraefikService',
        `${gitops.weightMoveApplicationLooks ?? NaN} / ${gitops.weightMoveLooksWhileGitChanged ?? NaN}`,
      ],
      ['Argo CD peak memory (application controller, repo-server, Redis)', formatMiB(gitops.argoCdPeakMiB)],
      ['release train drill in jest, aws on the real node, gcp and azure on KWOK, start to teardown', formatSeconds(train.drillSeconds)],
      ['release train: bootstrap of three clusters to Healthy', formatSeconds(train.bootstrapSeconds)],
      ['release train aws → gcp → azure, commit of aws to azure Healthy', formatSeconds(train.trainSeconds)],
      ...(['aws', 'gcp', 'azure'] as const).map((cluster) => [
        `release train: ${cluster}, its commit to Healthy (${cluster === 'aws' ? 'its analysis passing through a 40 s pause' : 'promoted by the drill'})`,
        formatSeconds(train[`train${cluster}Seconds`]),
      ]),
      [
        'release train: the bad canary on aws, started to aborted by its analysis (every 5 s, failure limit 1)',
        formatSeconds(train.badCanaryToAbortSeconds),
      ],
      ['release train --resume after the analysis aborted aws, to azure Healthy', formatSeconds(train.resumeSeconds)],
      ['release train: real node peak memory (aws)', formatMiB(train.nodePeakMiB)],
      ['three Argo CDs peak memory (application controllers, repo-servers, Redis)', formatMiB(train.argoCdPeakMiB)],
      ['traffic split drill in jest, from cluster start to teardown', formatSeconds(traffic.drillSeconds)],
      [
        'traffic split: TraefikService written by the controller to the weight applied in Traefik',
        formatSeconds(traffic.weightWrittenToAppliedSeconds),
      ],
      ['traffic split: promote to weight 50 applied in Traefik', formatSeconds(traffic.promoteToWeight50AppliedSeconds)],
      ['traffic split: abort to the canary last answering (every request to stable)', formatSeconds(traffic.abortToAllStableSeconds)],
      [
        'traffic split: Traefik resident memory at the end / peak',
        `${formatMiB(traffic.traefikRssMiB)} / ${formatMiB(traffic.traefikPeakRssMiB)}`,
      ],
    ];
    return [
      {
        id: 'e2e',
        title:
          '`npm run bench -- e2e`: `npm run e2e`, the end-to-end drills on throwaway control planes and a real node; goal for a warm run: at most 6 min',
        headings: ['figure', 'value'],
        rows,
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
