// Each unit-test worker runs this once, before its first test file. The light runner
// (jest-light-runner) runs a worker's test files one after another in a single Node process: the
// modules they import load once per worker rather than once per file, and each test file itself
// is evaluated afresh. It brings neither a TypeScript loader nor deadlines, so this file adds both:
// - tsx's loader strips the types (`tsc -p .`, in `npm run lint`, checks them), and a
//   failure's stack names `lib/....ts:line`;
// - every test and hook gets jest's deadline: the one passed to it, or the config's testTimeout.
import { register } from 'tsx/esm/api';
import config from '../jest.config.js';

register();

/** `fn`, failing once `ms` have passed without it settling (it cannot be stopped, only left). */
function withDeadline(fn, ms, what) {
  if (typeof fn !== 'function') return fn;
  return function (...args) {
    let timer;
    const deadline = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    });
    return Promise.race([Promise.resolve().then(() => fn.apply(this, args)), deadline]).finally(() => clearTimeout(timer));
  };
}

/** `register(name, fn, timeout)` of jest's globals, with `fn` under its deadline; `.each` too. */
function deadlined(register, kind) {
  const wrapped = (name, fn, timeout = config.testTimeout) => register(name, withDeadline(fn, timeout, `${kind} "${name}"`), timeout);
  return Object.assign(wrapped, register, {
    each:
      (...table) =>
      (name, fn, timeout = config.testTimeout) =>
        register.each(...table)(name, withDeadline(fn, timeout, `${kind} "${name}"`), timeout),
  });
}

globalThis.test = deadlined(globalThis.test, 'test');
globalThis.it = deadlined(globalThis.it, 'test');
for (const hook of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) {
  const register = globalThis[hook];
  globalThis[hook] = (fn, timeout = config.testTimeout) => register(withDeadline(fn, timeout, hook), timeout);
}
