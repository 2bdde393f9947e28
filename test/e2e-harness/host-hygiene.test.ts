import { type HostLook, leftovers, ownLeftovers } from '../e2e/support/host-hygiene.js';

const look = (overrides: Partial<HostLook> = {}): HostLook => ({
  sysctls: { 'kernel/panic': '1', 'vm/overcommit_memory': '0' },
  links: ['lo', 'eth0'],
  firewall: ['*filter', ':INPUT ACCEPT'],
  netns: [],
  mounts: [],
  cgroups: [],
  folders: [],
  processes: [],
  ...overrides,
});

describe('leftovers', () => {
  test('nothing when the host is as it was', () => {
    expect(leftovers(look(), look())).toEqual([]);
  });

  test('fails if a sysctl changed or anything of a node was added, one line each', () => {
    const after = look({
      sysctls: { 'kernel/panic': '10', 'vm/overcommit_memory': '0' },
      links: ['lo', 'eth0', 'cni0'],
      firewall: ['*filter', ':INPUT ACCEPT', ':KUBE-SERVICES - '],
      netns: ['cni-1234'],
      mounts: ['880 30 0:77 / /tmp/trn-0a1b2c3d/containerd rw'],
      cgroups: ['/sys/fs/cgroup/memory/trinity-e2e-0a1b2c3d'],
      folders: ['/tmp/trn-0a1b2c3d'],
      processes: ['4242 containerd --config=/tmp/trn-0a1b2c3d/containerd.toml'],
    });
    expect(leftovers(look(), after)).toEqual([
      'sysctl kernel.panic: 1 before, 10 after',
      'link: cni0',
      'firewall rule: :KUBE-SERVICES - ',
      'network namespace: cni-1234',
      'mount: 880 30 0:77 / /tmp/trn-0a1b2c3d/containerd rw',
      'cgroup: /sys/fs/cgroup/memory/trinity-e2e-0a1b2c3d',
      'folder: /tmp/trn-0a1b2c3d',
      'process: 4242 containerd --config=/tmp/trn-0a1b2c3d/containerd.toml',
    ]);
  });

  test('what was there before is not a leftover', () => {
    const before = look({ folders: ['/tmp/trn-00000000'], links: ['lo', 'eth0', 'docker0'] });
    expect(leftovers(before, look({ folders: ['/tmp/trn-00000000'], links: ['lo', 'eth0', 'docker0'] }))).toEqual([]);
  });
});

describe('ownLeftovers', () => {
  const lines = [
    'folder: /tmp/trn-0a1b2c3d',
    'folder: /tmp/trn-99999999',
    'cgroup: /sys/fs/cgroup/memory/trinity-e2e-0a1b2c3d',
    'cgroup: /sys/fs/cgroup/memory/trinity-e2e-99999999',
    'process: 4242 kubelet --config=/tmp/trn-0a1b2c3d/kubelet.yaml (net:[1])',
    'process: 4343 node server.js (net:[2]) in cgroup trinity-e2e-0a1b2c3d',
    'process: 4444 kubelet --config=/tmp/trn-99999999/kubelet.yaml (net:[3])',
    'link: cni0',
    'sysctl kernel.panic: 1 before, 10 after',
  ];

  test("fails if the run's own folders, cgroups or processes are left, or anything of the host changed", () => {
    expect(ownLeftovers(lines, ['0a1b2c3d'])).toEqual([
      'folder: /tmp/trn-0a1b2c3d',
      'cgroup: /sys/fs/cgroup/memory/trinity-e2e-0a1b2c3d',
      'process: 4242 kubelet --config=/tmp/trn-0a1b2c3d/kubelet.yaml (net:[1])',
      'process: 4343 node server.js (net:[2]) in cgroup trinity-e2e-0a1b2c3d',
      'link: cni0',
      'sysctl kernel.panic: 1 before, 10 after',
    ]);
  });

  test("leaves out another run's folders, cgroups and processes", () => {
    expect(ownLeftovers(lines, ['0a1b2c3d']).filter((line) => line.includes('99999999'))).toEqual([]);
  });
});
