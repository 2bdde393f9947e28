// What the end-to-end toolchain builds: each component's wrapper module, its commands and version flags.

/** How one wrapper module is built. */
export interface ComponentRecipe {
  /** The commands `go build -o <dir>/ tool` writes, by the name they are installed under. */
  readonly commands: Readonly<Record<string, string>>;
  /** Further names for a multi-call binary: name to the command it runs as. */
  readonly aliases: Readonly<Record<string, string>>;
  /** `-X` settings for the version the binaries report; upstream's own builds set these. */
  readonly versionFlags: readonly string[];
  /** Built only when named (`npm run e2e:toolchain <component>`): a long cold build that no drill runs yet. */
  readonly onRequest?: true;
}

const kubernetesVersion = (pkg: string) => [
  `${pkg}.gitVersion=v1.34.1`,
  `${pkg}.gitMajor=1`,
  `${pkg}.gitMinor=34`,
  `${pkg}.gitTreeState=clean`,
];

/** Argo CD's one binary is every server: it picks its role from argv[0]'s base name. */
const argocdRoles = [
  'argocd-application-controller',
  'argocd-applicationset-controller',
  'argocd-cmp-server',
  'argocd-commit-server',
  'argocd-git-ask-pass',
  'argocd-k8s-auth',
  'argocd-notifications',
  'argocd-repo-server',
  'argocd-server',
] as const;
/** Every role name runs the one argocd binary. */
const argocdAliases = Object.fromEntries(argocdRoles.map((role) => [role, 'argocd'])) as Record<(typeof argocdRoles)[number], 'argocd'>;

export const RECIPES = {
  etcd: {
    commands: { etcd: 'etcd' },
    aliases: {},
    versionFlags: [],
  },
  kubernetes: {
    commands: {
      'kube-apiserver': 'kube-apiserver',
      'kube-controller-manager': 'kube-controller-manager',
      'kube-scheduler': 'kube-scheduler',
      kubectl: 'kubectl',
      // The real node of the drills.
      kubelet: 'kubelet',
      'kube-proxy': 'kube-proxy',
    },
    aliases: {},
    versionFlags: [...kubernetesVersion('k8s.io/component-base/version'), ...kubernetesVersion('k8s.io/client-go/pkg/version')],
  },
  kwok: {
    commands: { kwok: 'kwok' },
    aliases: {},
    versionFlags: [],
  },
  'argo-rollouts': {
    commands: { 'rollouts-controller': 'rollouts-controller', 'kubectl-argo-rollouts': 'kubectl-argo-rollouts' },
    aliases: {},
    versionFlags: [
      'github.com/argoproj/argo-rollouts/utils/version.version=1.9.0',
      'github.com/argoproj/argo-rollouts/utils/version.gitTreeState=clean',
    ],
  },
  helm: {
    commands: { helm: 'helm' },
    aliases: {},
    versionFlags: ['helm.sh/helm/v3/internal/version.version=v3.19.4', 'helm.sh/helm/v3/internal/version.gitTreeState=clean'],
  },
  // Not a drill's: `npm run bench -- synth-kustomize` renders a Kustomize baseline beside the synth.
  kustomize: {
    commands: { kustomize: 'kustomize' },
    aliases: {},
    versionFlags: ['sigs.k8s.io/kustomize/api/provenance.version=kustomize/v5.8.2'],
  },
  'argo-cd': {
    // The command is the package github.com/argoproj/argo-cd/v3/cmd, so go names it `cmd`.
    commands: { argocd: 'cmd' },
    aliases: argocdAliases,
    versionFlags: ['github.com/argoproj/argo-cd/v3/common.version=3.3.7', 'github.com/argoproj/argo-cd/v3/common.gitTreeState=clean'],
  },
  // Traefik v3 for the canary weights (its image: node-images.ts), run by the traffic split drill.
  traefik: {
    commands: { traefik: 'traefik' },
    aliases: {},
    versionFlags: [
      'github.com/traefik/traefik/v3/pkg/version.Version=3.6.12',
      'github.com/traefik/traefik/v3/pkg/version.Codename=ramequin',
    ],
  },
  // The real node's sandbox image: a static program of the project's own (main.go beside its go.mod).
  pause: {
    commands: { pause: 'pause' },
    aliases: {},
    versionFlags: [],
  },
} as const satisfies Record<string, ComponentRecipe>;

/** A wrapper module under test/e2e/toolchain/. */
export type Component = keyof typeof RECIPES;

/** Every component, in build order: the control plane first, Argo CD (the longest build) before Traefik; pause builds in a second. */
export const COMPONENTS: readonly Component[] = Object.keys(RECIPES) as Component[];

/** What `npm run e2e:toolchain` builds when no component is named: all but those built on request. */
export const DEFAULT_COMPONENTS: readonly Component[] = COMPONENTS.filter((component) => !('onRequest' in RECIPES[component]));

/** The binary names a component provides. */
export type BinaryOf<C extends Component> = keyof (typeof RECIPES)[C]['commands'] | keyof (typeof RECIPES)[C]['aliases'];

/** Absolute paths: `binDir` holds every binary of the chosen components, for PATH. */
export type Toolchain<C extends Component = Component> = { readonly binDir: string } & {
  readonly [B in BinaryOf<C> & string]: string;
};
