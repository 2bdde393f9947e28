import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One process the supervisor started. */
export interface Component {
  readonly name: string;
  readonly pid: number;
  /** Everything the process printed, stdout and stderr interleaved. */
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Set once the process has exited. */
  exitStatus(): number | string | undefined;
}

export interface StartOptions {
  /** @default - the supervisor's own environment */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - the current folder */
  readonly cwd?: string;
}

/** The reaper script, beside this file; the suite runs from the project's folder. */
const REAPER = join(process.cwd(), 'test', 'e2e', 'support', 'reaper.cjs');

/**
 * Starts the components of a test run, logs each to `<runDir>/<name>.log`, and stops every one of
 * them by PID: on `stopAll()`, and when this process gets SIGINT or SIGTERM. Nothing is ever
 * stopped by name.
 */
export class Supervisor {
  private readonly components: Component[] = [];
  /** What a real node leaves beside its processes: removed once they are stopped. */
  private readonly nodeResources: { readonly dir: string; readonly sweep: () => readonly string[] }[] = [];
  private readonly children = new Map<number, ChildProcess>();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    void this.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  /**
   * @param runDir where the logs go
   * @param stopGraceMs how long a process gets between SIGTERM and SIGKILL
   */
  /** Stops the components if this process ends without stopping them, whatever ends it. */
  private readonly reaper: ChildProcess;

  constructor(
    public readonly runDir: string,
    private readonly stopGraceMs = 10_000,
  ) {
    // Signal handlers alone are not enough: under jest they never reach the real process.
    this.reaper = spawn(process.execPath, [REAPER, String(stopGraceMs)], { stdio: ['pipe', 'ignore', 'inherit'] });
    this.reaper.unref();
    (this.reaper.stdin as unknown as { unref?: () => void }).unref?.();
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** Starts `file` with `args`; its output goes to its log file, never to this process's. */
  public start(name: string, file: string, args: readonly string[], options: StartOptions = {}): Component {
    const logFile = join(this.runDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`${name}: ${file} could not be started`);
    let status: number | string | undefined;
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => resolve((status = error.message)));
      child.once('exit', (code, signal) => resolve((status = code ?? signal ?? 'unknown')));
    });
    this.reaper.stdin!.write(`pid ${child.pid}\n`);
    const component: Component = { name, pid: child.pid, logFile, exited, exitStatus: () => status };
    this.components.push(component);
    this.children.set(child.pid, child);
    return component;
  }

  /**
   * A real node's cgroup (by name, in every hierarchy) and its folder: after the components stop,
   * `sweep` kills what is left in the cgroup and removes it, then the folder goes. The reaper does
   * the same if this process ends first.
   */
  public ownNodeResources(cgroup: string, dir: string, sweep: () => readonly string[]): void {
    this.reaper.stdin!.write(`cgroup ${cgroup}\ndir ${dir}\n`);
    this.nodeResources.push({ dir, sweep });
  }

  private sockets: string | undefined;

  /**
   * A short private folder for Unix sockets, created on first use and removed on stop: a socket's
   * path may not exceed 107 bytes, and the run folder lies as deep as the checkout.
   */
  public socketDir(): string {
    if (this.sockets === undefined) {
      const dir = `/tmp/trn-${randomBytes(4).toString('hex')}`;
      mkdirSync(dir, { mode: 0o700 });
      this.reaper.stdin!.write(`dir ${dir}\n`);
      this.sockets = dir;
    }
    return this.sockets;
  }

  /** The ids of the `/tmp/trn-<id>` folders (and `trinity-e2e-<id>` cgroups) this supervisor owns. */
  public ownedIds(): string[] {
    return [...this.nodeResources.map(({ dir }) => dir), ...(this.sockets ? [this.sockets] : [])].map((dir) =>
      dir.replace(/^.*\/trn-/, ''),
    );
  }

  /** The components started so far, in start order. */
  public list(): readonly Component[] {
    return this.components;
  }

  /** The last `lines` lines of each component's log, for a failure message. */
  public logTails(lines = 8): string {
    return this.components
      .map((component) => {
        const state = component.exitStatus() === undefined ? `pid ${component.pid}, running` : `exited: ${component.exitStatus()}`;
        return `--- ${component.name} (${state}) ${component.logFile}\n${tail(component.logFile, lines)}`;
      })
      .join('\n');
  }

  /**
   * Stops every component still running, the last started first: SIGTERM, then SIGKILL after a
   * grace period. Resolves when every one has exited.
   */
  public async stopAll(): Promise<void> {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    for (const component of [...this.components].reverse()) {
      if (component.exitStatus() !== undefined) continue;
      const child = this.children.get(component.pid)!;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.stopGraceMs);
      await component.exited;
      clearTimeout(timer);
    }
    const left = this.nodeResources.flatMap(({ dir, sweep }) => {
      const cgroups = sweep();
      rmSync(dir, { recursive: true, force: true });
      return cgroups;
    });
    if (this.sockets !== undefined) rmSync(this.sockets, { recursive: true, force: true });
    if (this.reaper.stdin!.writable) this.reaper.stdin!.end('done\n');
    if (left.length > 0) throw new Error(`e2e: the real node's cgroups could not be removed: ${left.join(', ')}`);
  }
}

/** The last `lines` lines of a file, read from its last 64 KiB. */
export function tail(file: string, lines: number): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return '(no log)';
  }
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSyncFully(fd, buffer, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .slice(-lines)
    .join('\n');
}

function readSyncFully(fd: number, buffer: Buffer, position: number): void {
  let offset = 0;
  while (offset < buffer.length) {
    const read = readSync(fd, buffer, offset, buffer.length - offset, position + offset);
    if (read === 0) break;
    offset += read;
  }
}
