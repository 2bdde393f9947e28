import { type HostLook, leftovers } from '../e2e/support/host-hygiene.js';

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
