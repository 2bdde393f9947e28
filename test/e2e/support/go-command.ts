import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** Runs a command to its end, with stdout and stderr interleaved; rejects only if it cannot start. */
export function runCommand(
  command: string,
  args: readonly string[],
  { cwd, env, niceness }: { cwd?: string; env?: NodeJS.ProcessEnv; niceness?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (niceness !== undefined && child.pid !== undefined) lowerPriority(child.pid, niceness);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(chunks).toString('utf8') }));
  });
}

function lowerPriority(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // The process has already ended, or the system refuses: priority is a courtesy, not a need.
  }
}

/** The last lines of go's output on one line: enough to name the failing package and error. */
export function tail(output: string, lines = 8): string {
  const kept = output
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  return kept.slice(-lines).join(' | ') || '(no output)';
}

export function lastLine(output: string): string {
  return tail(output, 1);
}
