import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { Supervisor, tail } from '../e2e/support/supervisor.js';

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Prints `up`, then waits to be stopped; with `stubborn` it ignores SIGTERM. */
const idler = (stubborn: boolean) => [
  '-e',
  `${stubborn ? "process.on('SIGTERM', () => console.log('ignored'));" : ''} console.log('up'); console.error('on stderr'); setInterval(() => {}, 1000);`,
];

describe('Supervisor', () => {
  let runDir: string;
  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 'trinity-supervisor-'));
  });
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  const untilLogged = async (file: string, text: string) => {
    for (let i = 0; i < 200 && !readFileSync(file, 'utf8').includes(text); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  };

  test('logs each component to <run>/<name>.log and stops every one by PID, the last started first', async () => {
    const supervisor = new Supervisor(runDir);
    const first = supervisor.start('first', process.execPath, idler(false));
    const second = supervisor.start('second', process.execPath, idler(false));
    await untilLogged(second.logFile, 'on stderr');
    await untilLogged(first.logFile, 'on stderr');
    expect(second.logFile).toBe(join(runDir, 'second.log'));
    expect(readFileSync(first.logFile, 'utf8')).toContain('up\n');
    expect(supervisor.logTails()).toContain(`--- first (pid ${first.pid}, running) ${first.logFile}\n`);
    const exits: string[] = [];
    void first.exited.then(() => exits.push('first'));
    void second.exited.then(() => exits.push('second'));
    await supervisor.stopAll();
    expect([isRunning(first.pid), isRunning(second.pid)]).toEqual([false, false]);
    expect(exits).toEqual(['second', 'first']);
    expect(first.exitStatus()).toBe('SIGTERM');
  });

  test('a component that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const supervisor = new Supervisor(runDir, 200);
    const stubborn = supervisor.start('stubborn', process.execPath, idler(true));
    await untilLogged(stubborn.logFile, 'on stderr');
    await supervisor.stopAll();
    expect(stubborn.exitStatus()).toBe('SIGKILL');
    expect(readFileSync(stubborn.logFile, 'utf8')).toContain('ignored');
  });

  /** Starts a process that runs a Supervisor with one idle component, and returns both PIDs. */
  async function startOwner(): Promise<{
    owner: ReturnType<typeof spawn>;
    childPid: number;
    socketDir: string;
    exit: Promise<number | string | null>;
  }> {
    // A process of its own, so the signal does not reach the test runner.
    const { command, args } = entryPointCommand(PROJECT_ROOT, join('test', 'e2e-harness', 'supervisor-owner.ts'), [runDir]);
    const owner = spawn(command, args, {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | string | null>((resolve) => owner.once('exit', (code, signal) => resolve(code ?? signal)));
    let output = '';
    owner.stdout.on('data', (chunk) => (output += chunk));
    owner.stderr.on('data', (chunk) => (output += chunk));
    for (let i = 0; i < 200 && !/^\d+ \S+\n/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const [pid, socketDir] = output.trim().split(' ');
    const childPid = Number(pid);
    expect(isRunning(childPid)).toBe(true);
    expect(existsSync(socketDir!)).toBe(true);
    return { owner, childPid, socketDir: socketDir!, exit };
  }

  const untilGone = async (pid: number) => {
    for (let i = 0; i < 200 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    return !isRunning(pid);
  };

  test('SIGTERM to the process running the supervisor stops its components too', async () => {
    const { owner, childPid, exit } = await startOwner();
    owner.kill('SIGTERM');
    expect(await exit).toBe(143);
    expect(await untilGone(childPid)).toBe(true);
  });

  test('SIGKILL of the process running the supervisor: its reaper stops the components, with SIGKILL after the grace period, and removes the socket folder', async () => {
    const { owner, childPid, socketDir, exit } = await startOwner();
    owner.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');
    expect(await untilGone(childPid)).toBe(true);
    for (let i = 0; i < 200 && existsSync(socketDir); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(existsSync(socketDir)).toBe(false);
  });

  test('the socket folder is short and private, and goes with stopAll', async () => {
    const supervisor = new Supervisor(runDir);
    const dir = supervisor.socketDir();
    expect(supervisor.socketDir()).toBe(dir);
    expect(dir).toMatch(/^\/tmp\/trn-[0-9a-f]{8}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await supervisor.stopAll();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('tail', () => {
  test('the last lines of a file, without empty ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trinity-tail-'));
    const file = join(dir, 'log');
    writeFileSync(file, `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n')}\n\n`);
    expect(tail(file, 3)).toBe('line 47\nline 48\nline 49');
    expect(tail(join(dir, 'absent'), 3)).toBe('(no log)');
    rmSync(dir, { recursive: true, force: true });
  });
});
