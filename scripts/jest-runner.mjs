// Jest's runner for the unit tests: jest-light-runner's worker, each worker a Node process that
// runs its test files one after another, so the modules they share load once per worker.
//
// jest-light-runner's own child_process runner hands a new worker its settings through one
// channel shared by every worker: the first worker to ask consumes the others' answers too, and a
// worker that asks later waits for ever (a whole `npm test` hung on it). Here each test file gets
// a channel of its own, which answers only the worker running it. The worker's side, and its
// message names, are those of the pinned jest-light-runner.
import Tinypool from 'tinypool';

const WORKER = new URL('./worker-runner.js', import.meta.resolve('jest-light-runner'));
const ASKS_FOR_SETTINGS = 'jest-light-runner-get-worker-data';
const SETTINGS = 'jest-light-runner-worker-data';

export default class LightProcessRunner {
  #globalConfig;

  constructor(globalConfig) {
    this.#globalConfig = globalConfig;
  }

  async runTests(tests, _watcher, onStart, onResult, onFailure) {
    const { maxWorkers } = this.#globalConfig;
    /** One pool of worker processes per jest project. */
    const pools = new Map();
    const poolOf = (projectConfig) => {
      if (!pools.has(projectConfig)) {
        const pool = new Tinypool({
          filename: WORKER.href,
          runtime: 'child_process',
          minThreads: maxWorkers,
          maxThreads: maxWorkers,
          env: process.env,
          trackUnmanagedFds: false,
          // One V8 background thread, not four: the workers already outnumber the cores, and each
          // worker's threads for garbage collection and compiling only contend with the others.
          execArgv: [...process.execArgv, '--v8-pool-size=1'],
        });
        pools.set(projectConfig, { pool, settings: { globalConfig: this.#globalConfig, projectConfig, runtime: 'child_process' } });
      }
      return pools.get(projectConfig);
    };
    const run = (test) => {
      const { pool, settings } = poolOf(test.context.config);
      const answers = new Set();
      const channel = {
        onMessage: (answer) => answers.add(answer),
        postMessage: (message) => {
          if (message === ASKS_FOR_SETTINGS) for (const answer of answers) answer({ type: SETTINGS, workerData: settings });
        },
      };
      return pool.run(test.path, { channel });
    };

    let next = 0;
    const worker = async () => {
      while (next < tests.length) {
        const test = tests[next++];
        try {
          await onStart(test);
          await onResult(test, await run(test));
        } catch (error) {
          await onFailure(test, error);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(maxWorkers, tests.length) }, worker));
    } finally {
      await Promise.all([...pools.values()].map(({ pool }) => pool.destroy()));
    }
  }
}
