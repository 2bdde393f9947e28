import type { TempGitRepo } from './git-repo.js';

/** A source ConfigMap version as synth writes it: `notes-source-<hash>` in `<cluster>/notes/`, with its generation. */
export function sourceVersionFile(hash: string, generation: number, cluster = 'aws'): [string, string] {
  return [
    `${cluster}/notes/configmap-notes-source-${hash}.yaml`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    trinity-delivery/generation: "${generation}"\n  name: notes-source-${hash}\n  namespace: notes\ndata:\n  server.js: "${hash}"\nimmutable: true\n`,
  ];
}

/** Writes that version into `repo`'s dist/. */
export function writeSourceVersion(repo: TempGitRepo, hash: string, generation: number): void {
  const [path, text] = sourceVersionFile(hash, generation);
  repo.write(`dist/${path}`, text);
}
