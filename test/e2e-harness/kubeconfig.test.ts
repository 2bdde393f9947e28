import { parse } from 'yaml';
import { currentClusterAccess, kubeconfigYaml, newRunCredentials } from '../e2e/support/kubeconfig.js';

describe('kubeconfigYaml', () => {
  test('every context reaches the one cluster as the one user; the first is current', () => {
    const config = parse(
      kubeconfigYaml({ cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': '/run/ca.crt' }, user: { token: 't0k' } }, [
        'aws',
        'gcp',
        'eks-west',
      ]),
    );
    expect(config['current-context']).toBe('aws');
    expect(config.contexts.map((context: { name: string }) => context.name)).toEqual(['aws', 'gcp', 'eks-west']);
    expect(new Set(config.contexts.map((context: { context: object }) => JSON.stringify(context.context)))).toEqual(
      new Set([JSON.stringify({ cluster: 'e2e', user: 'e2e-admin' })]),
    );
    expect(config.clusters).toEqual([
      { name: 'e2e', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': '/run/ca.crt' } },
    ]);
    expect(config.users).toEqual([{ name: 'e2e-admin', user: { token: 't0k' } }]);
  });

  test('fails if no context is asked for', () => {
    expect(() => kubeconfigYaml({ cluster: { server: 'https://127.0.0.1:1' }, user: {} }, [])).toThrow('at least one context');
  });
});

describe('currentClusterAccess', () => {
  test('takes the cluster and user of a minified, flattened kubeconfig', () => {
    const flattened = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:40123
  name: kind-drill
users:
- name: kind-drill
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- context: {cluster: kind-drill, user: kind-drill}
  name: kind-drill
current-context: kind-drill
`;
    expect(currentClusterAccess(flattened, 'E2E_KUBECONFIG=/k')).toEqual({
      cluster: { 'certificate-authority-data': 'Q0E=', server: 'https://127.0.0.1:40123' },
      user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' },
    });
  });

  test('fails if the current context names no cluster, in one line naming the source', () => {
    expect(() => currentClusterAccess('apiVersion: v1\nclusters: []\n', 'E2E_KUBECONFIG=/tmp/empty')).toThrow(
      /^E2E_KUBECONFIG=\/tmp\/empty: its current context names no cluster with a server; expected [^\n]+$/,
    );
  });
});

describe('newRunCredentials', () => {
  test('a fresh admin token in system:masters and a matching service-account key pair each run', async () => {
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const first = newRunCredentials();
    const second = newRunCredentials();
    expect(first.adminToken).not.toBe(second.adminToken);
    expect(first.tokenFile).toBe(`${first.adminToken},e2e-admin,e2e-admin,"system:masters"\n`);
    const derived = createPublicKey(createPrivateKey(first.serviceAccountKey)).export({ type: 'spki', format: 'pem' });
    expect(derived).toBe(first.serviceAccountPublicKey);
  });
});
