/**
 * The plan as a graph: subtasks are nodes, `dependsOn` the edges, laid out by elkjs
 * (layered, left to right). Nodes are coloured by status; retries and fallbacks show on
 * the node (attempts, and each agent that worked on it).
 */
import ElkBundled from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionPayload } from '../api.js';

type GraphNode = SessionPayload['graph'][number];

// The bundled build (layout in the page's own thread, no web worker); typed by hand because
// its CommonJS default export does not survive NodeNext resolution.
const ElkCtor = ((ElkBundled as unknown as { default?: unknown }).default ?? ElkBundled) as new () => { layout(graph: ElkNode): Promise<ElkNode> };
const elk = new ElkCtor();
const W = 250;
const H = 78;

interface Layout {
  width: number;
  height: number;
  nodes: Array<{ id: string; x: number; y: number }>;
  edges: Array<{ id: string; from: string; to: string; points: Array<{ x: number; y: number }> }>;
}

async function layout(nodes: GraphNode[]): Promise<Layout> {
  const known = new Set(nodes.map((n) => n.id));
  const edges = nodes.flatMap((n) => n.dependsOn.filter((d) => known.has(d)).map((d) => ({ id: `${d}->${n.id}`, sources: [d], targets: [n.id] })));
  const graph: ElkNode = {
    id: 'plan',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '28',
      'elk.edgeRouting': 'SPLINES',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: nodes.map((n) => ({ id: n.id, width: W, height: H })),
    edges,
  };
  const out = await elk.layout(graph);
  return {
    width: out.width ?? 0,
    height: out.height ?? 0,
    nodes: (out.children ?? []).map((c: ElkNode) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0 })),
    edges: ((out.edges ?? []) as ElkExtendedEdge[]).map((e) => {
      const s = e.sections?.[0];
      const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [];
      return { id: e.id, from: e.sources[0]!, to: e.targets[0]!, points };
    }),
  };
}

/** An SVG path through ELK's points: straight segments, or a smooth curve for splines. */
function pathOf(points: Array<{ x: number; y: number }>): string {
  if (points.length < 2) return '';
  const [first, ...rest] = points;
  if (rest.length === 1) return `M${first!.x},${first!.y} L${rest[0]!.x},${rest[0]!.y}`;
  // ELK's spline sections come as start, control points in threes, end.
  if ((points.length - 1) % 3 === 0) {
    let d = `M${first!.x},${first!.y}`;
    for (let i = 1; i < points.length; i += 3) d += ` C${points[i]!.x},${points[i]!.y} ${points[i + 1]!.x},${points[i + 1]!.y} ${points[i + 2]!.x},${points[i + 2]!.y}`;
    return d;
  }
  return `M${first!.x},${first!.y} ` + rest.map((p) => `L${p.x},${p.y}`).join(' ');
}

/** Cuts a label to fit a node (the full text is in the node's tooltip). */
function clip(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function PlanGraph({ nodes, sessionId }: { nodes: GraphNode[]; sessionId: string }) {
  const [laid, setLaid] = useState<Layout | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const shape = JSON.stringify(nodes.map((n) => [n.id, n.dependsOn]));
  useEffect(() => {
    let live = true;
    layout(nodes).then(
      (l) => live && setLaid(l),
      (err: unknown) => live && setFailed(String(err)),
    );
    return () => {
      live = false;
    };
    // Only the shape changes the layout; statuses repaint without a new layout.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);
  if (nodes.length === 0) return html`<div class="empty">No plan yet.</div>`;
  if (failed) return html`<div class="error">Graph layout failed: ${failed}</div>`;
  if (!laid) return html`<div class="loading">laying out…</div>`;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return html`
    <div class="graph-wrap">
      <svg class="graph" data-testid="plan-graph" width=${laid.width} height=${laid.height} viewBox=${`0 0 ${laid.width} ${laid.height}`} role="img" aria-label="plan graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        ${laid.edges.map((e) => html`<path class="edge" data-testid="graph-edge" data-from=${e.from} data-to=${e.to} d=${pathOf(e.points)} marker-end="url(#arrow)" />`)}
        ${laid.nodes.map((p) => {
          const n = byId.get(p.id);
          if (!n) return null;
          const last = n.agents.at(-1);
          const attempts = n.agents.reduce((s, a) => s + a.attempts, 0);
          const fallback = n.agents.length > 1;
          return html`<g class=${`node st-${n.status.replace(/[^a-z_]/g, '')}`} data-testid="graph-node" data-subtask=${n.id} data-status=${n.status} transform=${`translate(${p.x},${p.y})`}>
            <title>${`${n.id}: ${n.description}`}</title>
            <rect width=${W} height=${H} rx="10" />
            <rect class="bar" width="6" height=${H} rx="3" />
            <text x="16" y="22" class="title">${clip(n.id, 26)}${n.required ? ' *' : ''}</text>
            <text x="16" y="43"
              ><tspan class="role">${n.role}</tspan><tspan class="sep"> · </tspan><tspan class="status">${n.status}</tspan
              >${fallback ? html`<tspan class="sep"> · </tspan><tspan class="badge" data-testid="fallback">fallback</tspan>` : null}${attempts > 1 && !fallback
                ? html`<tspan class="sep"> · </tspan><tspan class="badge" data-testid="retried">${attempts} attempts</tspan>`
                : null}</text
            >
            ${last
              ? html`<a href=${`#/s/${sessionId}/a/${last.id}`}><text x="16" y="63" class="agent">${clip(n.agents.map((a) => a.id).join(' → '), 30)}</text></a>`
              : html`<text x="16" y="63" class="agent muted">no agent yet</text>`}
          </g>`;
        })}
      </svg>
    </div>
  `;
}
