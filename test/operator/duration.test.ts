import { formatDuration, parseDuration } from '../../lib/operator/duration.js';

describe('parseDuration', () => {
  test.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['0s', 0],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', '1d', '1.5m', '-5s', 'm', '10 m', '5s '])('fails if given %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  test.each([
    [600_000, '10m'],
    [2_000, '2s'],
    [90_000, '90s'],
    [7_200_000, '2h'],
    [1_500, '1500ms'],
  ])('writes %d ms as %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
