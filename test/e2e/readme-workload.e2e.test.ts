/**
 * The README's example workload (`landing`, "Adding a workload") runs for real: added to a copy of
 * the project word for word, synthesized, and applied on the real node, its pod becomes Ready and
 * its Service answers. Its image is assembled on this machine under the name the example uses.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { ProjectCopy } from '../check/project-copy.js';
import { addReadmeWorkload, readmeWorkloadName } from '../support/docs.js';
import { plainEnv } from '../support/run-command.js';
import { type DrillCluster, startDrillCluster } from './support/drill-cluster.js';
import { drillSteps } from './support/drill-steps.js';
import { ensureLandingImage, LANDING_IMAGE } from './support/node-images.js';
import { eventsAbout, podsOf, requestsThroughService } from './support/real-pods.js';
import { defaultCacheDir } from './support/toolchain.js';
import { waitFor, WaitEnded } from './support/wait.js';

const CLUSTER = 'aws';
const STEP_TIMEOUT_MS = 5 * 60_000;
/** A cold run builds the toolchain first: many minutes on 2 cores. */
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e ${new Date().toISOString().slice(11, 19)} ${line}\n`);

const name = readmeWorkloadName(readFileSync('README.md', 'utf8'));
let cluster: DrillCluster | undefined;
let project: ProjectCopy;

beforeAll(async () => {
  const image = ensureLandingImage({ cacheDir: defaultCacheDir(), log });
  // A Deployment: the Rollouts chart is not needed.
  cluster = await startDrillCluster({ namespaces: [name], installRollouts: false, images: [image], log });
  const bundleCache = join(cluster.runDir, 'bundle-cache');
  mkdirSync(bundleCache);
  project = ProjectCopy.create(bundleCache);
  log(`project copy: ${project.root}`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (cluster) {
    const left = await cluster.stop();
    expect(left).toEqual([]);
    log(`stopped every process; logs in ${cluster.runDir}`);
  }
  if (!failed()) project?.cleanup();
}, 60_000);

const { step, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);

step(`README "Adding a workload", word for word: synth writes the ${name} Deployment with the image the node has`, async () => {
  addReadmeWorkload(project.root);
  // The copy's own runner: its code has the workload, the project's does not.
  const { command, args } = entryPointCommand(project.root, 'main.ts');
  await promisify(execFile)(command, args, { cwd: project.root, env: plainEnv(), timeout: 120_000 });
  const deployment = parse(readFileSync(join(project.root, 'dist', CLUSTER, name, `deployment-${name}.yaml`), 'utf8'));
  expect(deployment.spec.template.spec.containers.map((container: { image: string }) => container.image)).toEqual([LANDING_IMAGE]);
});

step(`the ${name} pod becomes Ready on the real node`, async () => {
  // What Argo CD's CreateNamespace=true would create.
  await cluster!.createNamespaces([name]);
  await cluster!.kubectl(['apply', '-f', join(project.root, 'dist', CLUSTER, name)]);
  await waitFor(
    'README workload',
    `Deployment ${name}/${name} with every pod Ready and none restarted`,
    async () => {
      const pods = await podsOf(cluster!.api, name, '');
      const states = pods.map((pod) => ({
        pod: pod.metadata.name,
        ready: pod.status?.containerStatuses?.every((status) => status.ready) ?? false,
        restarts: pod.status?.containerStatuses?.reduce((sum, status) => sum + status.restartCount, 0) ?? 0,
        waiting: pod.status?.containerStatuses?.map((status) => status.state?.waiting?.reason).filter(Boolean),
      }));
      const crashed = states.find((state) => state.restarts > 0);
      if (crashed) {
        const events = await eventsAbout(cluster!.api, name, crashed.pod);
        // A crash here does not heal: end the wait with what the kubelet said.
        throw new WaitEnded(`README workload: pod ${crashed.pod} restarted: ${JSON.stringify(crashed)}; events: ${events.join('; ')}`);
      }
      return { done: states.length > 0 && states.every((state) => state.ready), seen: JSON.stringify(states) };
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
});

step(`its Service answers 200 from inside the node's network namespace`, async () => {
  const answered = await requestsThroughService(cluster!, name, name, { path: '/', count: 10, deadlineMs: 30_000 });
  expect({ sent: answered.sent, answers: answered.answers, failures: answered.failures }).toEqual({
    sent: 10,
    answers: { '200': 10 },
    failures: {},
  });
});
