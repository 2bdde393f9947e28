import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardCommand } from '../../lib/dashboard/dashboard-command.js';
import type { RunCommand } from '../../lib/operator/run-command.js';
import { runCommand } from '../support/run-command.js';
import { makeTempDir } from '../support/synth-process.js';
import { writeProject } from './recorded-cluster.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';

const NO_KUBECTL: RunCommand = () => Promise.reject(Object.assign(new Error('spawn kubectl ENOENT'), { code: 'ENOENT' }));

describe('npm run dashboard: mistakes before anything is served', () => {
  let folder: { path: string; cleanup: () => void };
  let kubeconfig: string;

  beforeAll(() => {
    folder = makeTempDir('dashboard-command');
    writeProject(folder.path, [{ name: 'aws', cloud: 'aws' }]);
    kubeconfig = join(folder.path, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: other, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: other, context: {cluster: other, user: u}}]',
        'current-context: other',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => folder.cleanup());

  const dashboard = (argv: string[]) =>
    runCommand(dashboardCommand, argv, {
      cwd: folder.path,
      env: { KUBECONFIG: kubeconfig },
      run: NO_KUBECTL,
      stopped: Promise.resolve(),
      workloads: FIXTURE_WORKLOADS,
    });

  test("fails if an overlay's context is not in the kubeconfig: one line naming the file, the field and the contexts there are", async () => {
    const result = await dashboard([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: overlays/aws.yaml: field "context": kube context "aws" is not in the kubeconfig (KUBECONFIG, else ~/.kube/config); expected one of other\n',
    );
  });

  test('fails if --port is not a port', async () => {
    const result = await dashboard(['--port', '80000']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --port "80000" is not a port; expected a whole number from 0 to 65535\n');
  });

  test('fails if actions are asked for and kubectl cannot run: nothing is served', async () => {
    writeFileSync(kubeconfig, awsKubeconfig());
    const result = await dashboard(['--allow-actions']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: kubectl was not found; install kubectl/);
    expect(result.stdout).not.toContain('dashboard of');
  });
});

/** A kubeconfig whose context `aws` points at a closed port: enough to get past the context check. */
function awsKubeconfig(): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: aws, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: aws, context: {cluster: aws, user: u}}]',
    'current-context: aws',
    '',
  ].join('\n');
}
