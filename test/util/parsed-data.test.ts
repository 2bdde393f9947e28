import { isMapping, listAt, mappingAt, numberAt, scalarText, stringAt, valueAt } from '../../lib/util/parsed-data.js';

describe('parsed data readers', () => {
  const data: unknown = { spec: { replicas: 2, steps: [{ setWeight: 50 }, 'odd'], name: 'web', labels: null } };

  test('reads values by key and list index', () => {
    expect(valueAt(data, ['spec', 'steps', 0, 'setWeight'])).toBe(50);
    expect(numberAt(data, 'spec', 'replicas')).toBe(2);
    expect(stringAt(data, 'spec', 'name')).toBe('web');
    expect(listAt(data, 'spec', 'steps')).toHaveLength(2);
    expect(mappingAt(data, 'spec', 'steps', 0)).toEqual({ setWeight: 50 });
  });

  test('yields an empty value where the data has another shape, without throwing', () => {
    expect(valueAt(data, ['spec', 'labels', 'app'])).toBeUndefined();
    expect(mappingAt(data, 'spec', 'steps', 1)).toEqual({});
    expect(mappingAt(data, 'spec', 'steps')).toEqual({});
    expect(listAt(data, 'spec', 'name')).toEqual([]);
    expect(stringAt(data, 'spec', 'replicas')).toBeUndefined();
    expect(numberAt(data, 'spec', 'name')).toBeUndefined();
  });

  test('tells mappings from lists and scalars', () => {
    expect([{}, [], null, 'x'].map(isMapping)).toEqual([true, false, false, false]);
  });

  test('writes scalars as text and anything else as empty', () => {
    expect(['v1', 1.5, true, null, { a: 1 }].map(scalarText)).toEqual(['v1', '1.5', 'true', '', '']);
  });
});
