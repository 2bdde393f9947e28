import { directoryGlobMatches } from '../../lib/diff/directory-glob.js';

// gobwas/glob without separators, as Argo CD v3.3.7 compiles directory include and exclude.
describe('directoryGlobMatches', () => {
  test.each([
    ['*.yaml', 'service.yaml', true],
    ['*.yaml', 'sub/service.yaml', true], // no separators: * crosses /
    ['*.yaml', 'service.json', false],
    ['{service,rollout}-*.yaml', 'rollout-mandelbrot.yaml', true],
    ['{service,rollout}-*.yaml', 'configmap-x.yaml', false],
    ['{a,{b,c}}.yaml', 'c.yaml', true],
    ['configmap-?.yaml', 'configmap-1.yaml', true],
    ['configmap-?.yaml', 'configmap-12.yaml', false],
    ['[!c]*', 'rollout.yaml', true],
    ['[!c]*', 'configmap.yaml', false],
    ['[a-r]*.yaml', 'rollout.yaml', true],
    ['[a-r]*.yaml', 'service.yaml', false],
    ['\\*.yaml', '*.yaml', true],
    ['\\*.yaml', 'x.yaml', false],
    ['service.yaml', 'service.yaml', true],
    ['service.yaml', 'servicexyaml', false],
  ])('%s on %s: %s', (pattern, path, matches) => {
    expect(directoryGlobMatches(pattern, path)).toBe(matches);
  });

  test('a pattern that does not compile matches nothing, as Argo CD logs it and moves on', () => {
    for (const pattern of ['{a,b', '[abc', 'x\\']) expect(directoryGlobMatches(pattern, pattern)).toBe(false);
  });
});
