import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real git repository in a temporary folder, for tests that diff commits. */
export class TempGitRepo {
  /** A new repository with one branch, `main`, and a committer identity. */
  public static create(prefix = 'diff'): TempGitRepo {
    const repo = new TempGitRepo(mkdtempSync(join(tmpdir(), `trinity-${prefix}-`)));
    repo.git('init', '-q', '-b', 'main');
    // Written as `git config` would write it, without three more processes.
    appendFileSync(
      join(repo.path, '.git', 'config'),
      '[user]\n\tname = Trinity Tests\n\temail = tests@example.com\n[commit]\n\tgpgsign = false\n',
    );
    return repo;
  }

  private constructor(public readonly path: string) {}

  /** A copy of this repository, history included, in a new temporary folder. */
  public copy(prefix = 'diff'): TempGitRepo {
    const path = mkdtempSync(join(tmpdir(), `trinity-${prefix}-`));
    cpSync(this.path, path, { recursive: true });
    return new TempGitRepo(path);
  }

  /** Runs git in the repository and returns its output; throws with git's message on failure. */
  public git(...args: string[]): string {
    const result = spawnSync('git', args, { cwd: this.path, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  public read(path: string): string {
    return readFileSync(join(this.path, path), 'utf8');
  }

  public write(path: string, content: string): void {
    mkdirSync(dirname(join(this.path, path)), { recursive: true });
    writeFileSync(join(this.path, path), content);
  }

  public remove(path: string): void {
    rmSync(join(this.path, path), { recursive: true, force: true });
  }

  /** Commits everything in the working tree; returns the commit. */
  public commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  public cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
