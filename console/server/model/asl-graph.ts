/**
 * The saga graph, read from stepfunctions/checkout.asl.yml at run time (never a hand-kept copy) and laid
 * out with dagre: states, the transitions between them (Next, Default, Choices, Catch) and which of them
 * belong to the compensation branch.
 */
import { readFileSync } from 'node:fs';
import dagre from '@dagrejs/dagre';
import { parse } from 'yaml';

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphState {
  name: string;
  type: string;
  /** Lambda function (from FunctionName's Fn::GetAtt) or service integration the Task calls. */
  resource?: string;
  functionName?: string;
  comment?: string;
  retry?: Array<{ errorEquals: string[]; maxAttempts: number }>;
  end: boolean;
  /** Reached only through a Catch or the compensation's outcome: drawn apart as the compensation branch. */
  compensation: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
  points: Array<{ x: number; y: number }>;
}

export interface SagaGraph {
  startAt: string;
  states: GraphState[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Comment?: string;
  Resource?: string;
  Parameters?: { FunctionName?: { 'Fn::GetAtt'?: [string, string] } | string };
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
}

export function readAsl(path: string): { StartAt: string; States: Record<string, AslState> } {
  return parse(readFileSync(path, 'utf8'));
}

/** The transitions of a definition, in declaration order. */
export function transitionsOf(definition: { States: Record<string, AslState> }): Array<Omit<GraphEdge, 'points'>> {
  const edges: Array<Omit<GraphEdge, 'points'>> = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Next) edges.push({ from: name, to: state.Next, kind: 'next' });
    for (const choice of state.Choices ?? []) edges.push({ from: name, to: choice.Next, kind: 'choice' });
    if (state.Default) edges.push({ from: name, to: state.Default, kind: 'default', label: 'default' });
    for (const handler of state.Catch ?? []) edges.push({ from: name, to: handler.Next, kind: 'catch', label: `catch ${handler.ErrorEquals.join(', ')}` });
  }
  return edges;
}

/**
 * States on the compensation branch: whatever is reached from a Catch target without passing a state
 * that the happy path (Next and Choice edges from StartAt, no Catch) reaches.
 */
function compensationStates(definition: { StartAt: string; States: Record<string, AslState> }, edges: Array<Omit<GraphEdge, 'points'>>): Set<string> {
  const happy = reachable([definition.StartAt], edges.filter((e) => e.kind !== 'catch'));
  const fromCatch = reachable(edges.filter((e) => e.kind === 'catch').map((e) => e.to), edges);
  return new Set([...fromCatch].filter((name) => !happy.has(name) || isCatchTarget(name, edges)));
}

function isCatchTarget(name: string, edges: Array<Omit<GraphEdge, 'points'>>): boolean {
  return edges.some((e) => e.kind === 'catch' && e.to === name);
}

function reachable(start: string[], edges: Array<Omit<GraphEdge, 'points'>>): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const edge of edges) if (edge.from === name) queue.push(edge.to);
  }
  return seen;
}

const NODE_WIDTH = 190;
const NODE_HEIGHT = 44;

export function buildSagaGraph(definition: { StartAt: string; States: Record<string, AslState> }): SagaGraph {
  const transitions = transitionsOf(definition);
  const compensation = compensationStates(definition, transitions);
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 8, marginy: 8 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const name of Object.keys(definition.States)) layout.setNode(name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  transitions.forEach((edge, index) => layout.setEdge(edge.from, edge.to, {}, String(index)));
  dagre.layout(layout);

  const states: GraphState[] = Object.entries(definition.States).map(([name, state]) => {
    const node = layout.node(name);
    const fn = state.Parameters?.FunctionName;
    return {
      name,
      type: state.Type,
      resource: state.Resource,
      functionName: typeof fn === 'object' && fn?.['Fn::GetAtt'] ? fn['Fn::GetAtt'][0] : undefined,
      comment: state.Comment,
      retry: state.Retry?.map((r) => ({ errorEquals: r.ErrorEquals, maxAttempts: r.MaxAttempts ?? 3 })),
      end: Boolean(state.End) || state.Type === 'Succeed' || state.Type === 'Fail',
      compensation: compensation.has(name),
      x: node.x - NODE_WIDTH / 2,
      y: node.y - NODE_HEIGHT / 2,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
    };
  });
  const edges: GraphEdge[] = transitions.map((edge, index) => ({
    ...edge,
    points: (layout.edge({ v: edge.from, w: edge.to, name: String(index) })?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })),
  }));
  const { width = 0, height = 0 } = layout.graph();
  return { startAt: definition.StartAt, states, edges, width, height };
}
