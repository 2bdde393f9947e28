import { stringify } from 'yaml';
import { CLOUDS } from '../../lib/core/fields.js';
import { synthCluster } from '../support/cluster.js';
import { codesOf, diffTrees, edited, objectsOf, synthesizedTree } from './trees.js';

// The weights of a TraefikService a Rollout routes through belong to the Rollouts controller.
const TRAEFIK = { provider: 'traefik', chart: { repoURL: 'https://traefik.github.io/charts', version: '39.0.7' } } as const;
const APP = 'aws/argocd/application-trinity-mandelbrot-aws.yaml';
const TRAEFIK_SERVICE = 'aws/mandelbrot/traefikservice-mandelbrot.yaml';

function traefikTree(): Map<string, string> {
  const tree = new Map<string, string>();
  for (const cloud of CLOUDS) {
    for (const [path, object] of synthCluster({ cluster: cloud, cloud, trafficRouting: TRAEFIK })) tree.set(path, stringify(object));
  }
  return tree;
}

const base = synthesizedTree();
const head = traefikTree();
const messagesOf = (diff: ReturnType<typeof diffTrees>, code: string) =>
  objectsOf(diff).flatMap((object) => object.meanings.filter((meaning) => meaning.code === code).map((meaning) => meaning.message));

describe('traffic routed by Traefik in the diff', () => {
  test("the ignoreDifferences synth writes for the controller's weights is no danger", () => {
    const diff = diffTrees(base, head);
    expect(codesOf(diff, 'aws', 'Application', 'trinity-mandelbrot-aws')).not.toContain('unreviewed-source');
    expect(messagesOf(diff, 'unreviewed-source').filter((message) => message.includes('ignoreDifferences'))).toEqual([]);
    expect(messagesOf(diff, 'controller-weights-in-git')).toEqual([]);
  });

  test('fails if ignoreDifferences reaches past the weights: that is a danger as before', () => {
    const widened = edited(head, APP, (application) => {
      application.spec.ignoreDifferences[0].jsonPointers.push('/spec/weighted/services/0/name');
    });
    expect(messagesOf(diffTrees(head, widened), 'unreviewed-source')).toEqual([
      expect.stringMatching(/^ignoreDifferences \[.*\/spec\/weighted\/services\/0\/name.*\]: Argo CD stops comparing those fields/),
    ]);
  });

  test('fails if ignoreDifferences names a TraefikService no Rollout of the Application routes through', () => {
    const other = edited(head, APP, (application) => {
      application.spec.ignoreDifferences[0].name = 'elsewhere';
    });
    expect(messagesOf(diffTrees(head, other), 'unreviewed-source')).toHaveLength(1);
  });

  test('a weight written in Git is a danger: Argo CD and the controller would overwrite each other', () => {
    const weighted = edited(head, TRAEFIK_SERVICE, (service) => {
      service.spec.weighted.services[0].weight = 60;
      service.spec.weighted.services[1].weight = 40;
    });
    const diff = diffTrees(head, weighted);
    expect(codesOf(diff, 'aws', 'TraefikService', 'mandelbrot')[0]).toBe('controller-weights-in-git');
    expect(messagesOf(diff, 'controller-weights-in-git')).toEqual([
      'TraefikService mandelbrot sets weights in Git, but a Rollout routes through it: the Rollouts controller owns them, so Argo CD and the controller overwrite each other; leave the weights out',
    ]);
  });

  test('weights on a TraefikService no Rollout routes through are the author’s own', () => {
    const unrouted = edited(
      edited(head, 'aws/mandelbrot/rollout-mandelbrot.yaml', (rollout) => {
        delete rollout.spec.strategy.canary.trafficRouting;
      }),
      TRAEFIK_SERVICE,
      (service) => (service.spec.weighted.services[0].weight = 1),
    );
    expect(messagesOf(diffTrees(head, unrouted), 'controller-weights-in-git')).toEqual([]);
  });

  test("a project that stops allowing a kind the Traefik chart installs refuses Traefik's sync", () => {
    const narrowed = edited(head, 'aws/argocd/appproject-trinity.yaml', (project) => {
      project.spec.namespaceResourceWhitelist = project.spec.namespaceResourceWhitelist.filter(
        (entry: { kind: string }) => entry.kind !== 'ServiceAccount',
      );
    });
    expect(messagesOf(diffTrees(head, narrowed), 'sync-refused')).toContain(
      'the sync of trinity-traefik-aws will fail: kind ServiceAccount is not permitted in project trinity',
    );
  });
});
