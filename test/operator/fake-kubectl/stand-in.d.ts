/** What the stand-in kubectl prints, as it prints it. */
export interface StandInOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * One call of the stand-in kubectl (stand-in.js): `argv` as kubectl gets it, its FAKE_KUBECTL_*
 * knobs in `env`. Resolves with kubectl's exit code.
 */
export function runStandInKubectl(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  output: StandInOutput,
): Promise<number>;
