import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** How every context of a kubeconfig reaches the one cluster: kubeconfig `cluster` and `user` entries. */
export interface ClusterAccess {
  /** Such as `{ server: 'https://127.0.0.1:6443', 'certificate-authority': '/path/ca.crt' }`. */
  readonly cluster: Readonly<Record<string, unknown>>;
  /** Such as `{ token: '...' }`. */
  readonly user: Readonly<Record<string, unknown>>;
}

/**
 * A kubeconfig whose contexts all reach one cluster, named as the overlays' `context` fields
 * expect, so the operator tool's `--cluster aws` finds its context unchanged. The first context is
 * the current one.
 */
export function kubeconfigYaml(access: ClusterAccess, contexts: readonly string[]): string {
  if (contexts.length === 0) throw new Error('a kubeconfig needs at least one context');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: access.cluster }],
    users: [{ name: 'e2e-admin', user: access.user }],
    contexts: contexts.map((name) => ({ name, context: { cluster: 'e2e', user: 'e2e-admin' } })),
    'current-context': contexts[0],
  });
}

/**
 * The cluster and user of the current context of a kubeconfig, as `kubectl config view --raw
 * --flatten --minify` prints it: how a cluster the user names is reached.
 */
export function currentClusterAccess(flattened: string, source: string): ClusterAccess {
  const config = parse(flattened) ?? {};
  const cluster = config.clusters?.[0]?.cluster;
  const user = config.users?.[0]?.user;
  if (!cluster?.server)
    throw new Error(
      `${source}: its current context names no cluster with a server; expected a kubeconfig whose current context reaches the test cluster`,
    );
  return { cluster, user: user ?? {} };
}

/** The per-run secrets of a throwaway API server. */
export interface RunCredentials {
  /** The bearer token of the admin, a member of `system:masters`. */
  readonly adminToken: string;
  /** `--token-auth-file` content: token, user, uid, groups. */
  readonly tokenFile: string;
  /** PKCS#8 PEM: signs service-account tokens. */
  readonly serviceAccountKey: string;
  /** SPKI PEM: verifies them. */
  readonly serviceAccountPublicKey: string;
}

/** Fresh credentials for one run: nothing is reused between runs. */
export function newRunCredentials(): RunCredentials {
  const adminToken = randomBytes(24).toString('hex');
  // ECDSA P-256, which the API server and controller manager take as well as RSA: made in a
  // millisecond, where an RSA key takes a few hundred.
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    adminToken,
    tokenFile: `${adminToken},e2e-admin,e2e-admin,"system:masters"\n`,
    serviceAccountKey: privateKey,
    serviceAccountPublicKey: publicKey,
  };
}

export function writeKubeconfig(file: string, access: ClusterAccess, contexts: readonly string[]): string {
  writeFileSync(file, kubeconfigYaml(access, contexts), { mode: 0o600 });
  return file;
}

/** A kubeconfig with one context per cluster, each named as its overlay's `context` and reaching that cluster only. */
export function writeFleetKubeconfig(file: string, clusters: Readonly<Record<string, ClusterAccess>>): string {
  const names = Object.keys(clusters);
  if (names.length === 0) throw new Error('a kubeconfig needs at least one context');
  const yaml = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: names.map((name) => ({ name: `e2e-${name}`, cluster: clusters[name]!.cluster })),
    users: names.map((name) => ({ name: `e2e-admin-${name}`, user: clusters[name]!.user })),
    contexts: names.map((name) => ({ name, context: { cluster: `e2e-${name}`, user: `e2e-admin-${name}` } })),
    'current-context': names[0],
  });
  writeFileSync(file, yaml, { mode: 0o600 });
  return file;
}
