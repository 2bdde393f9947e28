import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SERVICE_DIR } from './service-process.js';

const { encodeIterations, renderRows, workOf, WORK_BUDGET } = createRequire(join(SERVICE_DIR, 'package.json'))('./render.js');

describe('render.js', () => {
  test('encodes iterations as Node encodes base64, whatever the length modulo three', () => {
    for (let count = 0; count <= 7; count++) {
      const iterations = Uint16Array.from({ length: count }, (_, index) => (index * 7919 + 17) % 65536);
      const expected = Buffer.from(iterations.buffer).toString('base64');
      expect([count, encodeIterations(iterations).toString('latin1')]).toEqual([count, expected]);
    }
    // A view into a larger array encodes only its own elements.
    const whole = Uint16Array.from([1, 2, 3, 4, 5]);
    expect(encodeIterations(whole.subarray(1, 3)).toString('latin1')).toBe(Buffer.from(Uint16Array.from([2, 3]).buffer).toString('base64'));
  });

  test('renders rows into a given array at an offset, the same as into a new one', () => {
    const frame = { width: 5, height: 4, maxIterations: 30, view: { xMin: -2, xMax: 1, yMin: -1, yMax: 1 } };
    const into = new Uint16Array(20).fill(9999);
    renderRows(frame, 0, 2, into, 0);
    renderRows(frame, 2, 4, into, 10);
    expect(Array.from(into)).toEqual(Array.from(renderRows(frame, 0, 4)));
  });

  test('the work budget admits the page at its deepest and refuses the largest frame at its most iterations', () => {
    expect(workOf({ width: 480, height: 300, maxIterations: 2000 })).toBeLessThanOrEqual(WORK_BUDGET);
    expect(workOf({ width: 1280, height: 960, maxIterations: 244 })).toBeLessThanOrEqual(WORK_BUDGET);
    expect(workOf({ width: 1280, height: 960, maxIterations: 245 })).toBeGreaterThan(WORK_BUDGET);
    expect(workOf({ width: 1280, height: 960, maxIterations: 2000 }, 100)).toBe(1280 * 100 * 2000);
  });
});
