import { execFile } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { waitFor } from './wait.js';

/** A read-only view of the API server through `kubectl proxy` on 127.0.0.1. */
export class KubeApi {
  constructor(public readonly baseURL: string) {}

  /** The object at `path`, or undefined when the API server answers 404. */
  public async get<T>(path: string): Promise<T | undefined> {
    const response = await fetch(`${this.baseURL}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return (await response.json()) as T;
  }

  /** The items of a list, optionally filtered by a label selector. */
  public async list<T>(path: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const list = await this.get<{ items: T[] }>(`${path}${query}`);
    return list?.items ?? [];
  }
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a kubectl binary against one kubeconfig; resolves whatever the exit code. The kubeconfig
 * goes in KUBECONFIG: a `--kubeconfig` flag before a plugin's name makes kubectl refuse the command.
 * kubectl's own folder comes first on PATH, so the plugin beside it is the one kubectl finds.
 */
export function runKubectl(kubectl: string, kubeconfig: string, args: readonly string[], timeoutMs = 120_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const options = {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${dirname(kubectl)}${delimiter}${process.env.PATH ?? ''}` },
    };
    execFile(kubectl, [...args], options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === -1 ? error.message : '') });
    });
  });
}

/** Like {@link runKubectl}, but a non-zero exit throws with what kubectl said. */
export async function kubectlOrThrow(kubectl: string, kubeconfig: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await runKubectl(kubectl, kubeconfig, args, timeoutMs);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

/**
 * `kubectl wait --for=condition=Established` on CRD files, retried: kubectl fails at once, instead
 * of waiting, on a CRD the API server has not yet given any status condition.
 */
export async function awaitCrdsEstablished(
  kubectl: (args: readonly string[]) => Promise<string>,
  fileArgs: readonly string[],
  step: string,
): Promise<void> {
  await waitFor(
    step,
    'the CRDs Established',
    async () => {
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...fileArgs]);
      return { done: true, seen: 'Established' };
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}
