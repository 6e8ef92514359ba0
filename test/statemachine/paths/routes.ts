/**
 * The routes of a state machine, read from its definition, and the routes one execution took, read
 * from its history; the fast layer asserts the first set is covered by the second (so a new
 * Next/Choice/Catch/Retry without a test fails the layer).
 *
 * A route is a string, e.g.
 *   `ReserveInventory --Catch[0] OutOfStock--> OrderRejected`   (a transition)
 *   `CheckoutFailed --Fail--> FAILED`                           (how an execution ends)
 *   `ReserveInventory Retry[1] States.ALL: retries, then recovers`
 *   `ReserveInventory Retry[1] States.ALL: gives up after 3 retries`
 *   `ReserveInventory Retry[0] OutOfStock: not retried`         (one per name of a MaxAttempts 0 retrier)
 */
import type { HistoryEvent } from '../../../local/stepfunctions';
import type { AslDefinition, AslState } from './harness';

interface Matcher {
  ErrorEquals: string[];
  Next?: string;
  MaxAttempts?: number;
}

/** Step Functions' default MaxAttempts when a retrier omits it. */
const DEFAULT_MAX_ATTEMPTS = 3;

const transition = (from: string, via: string, to: string) => `${from} --${via}--> ${to}`;
const catchVia = (index: number, catcher: Matcher) => `Catch[${index}] ${catcher.ErrorEquals.join(',')}`;
const retryLabel = (state: string, index: number, retrier: Matcher) => `${state} Retry[${index}] ${retrier.ErrorEquals.join(',')}`;
const maxAttempts = (retrier: Matcher) => retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
const isWildcard = (name: string) => name === 'States.ALL' || name === 'States.TaskFailed';

/** Whether an ErrorEquals list matches an error name (States.TaskFailed: any task error but a timeout). */
export function errorMatches(errorEquals: string[], error: string): boolean {
  return errorEquals.some((name) => name === error || name === 'States.ALL' || (name === 'States.TaskFailed' && error !== 'States.Timeout'));
}

/** Every route of the definition. */
export function enumerateRoutes(definition: AslDefinition): string[] {
  const routes: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    (state.Choices ?? []).forEach((rule: { Next: string }, index: number) => routes.push(transition(name, `Choices[${index}]`, rule.Next)));
    if (state.Default) routes.push(transition(name, 'Default', state.Default));
    if (state.Next) routes.push(transition(name, 'Next', state.Next));
    if (state.End) routes.push(transition(name, 'End', 'SUCCEEDED'));
    if (state.Type === 'Succeed') routes.push(transition(name, 'Succeed', 'SUCCEEDED'));
    if (state.Type === 'Fail') routes.push(transition(name, 'Fail', 'FAILED'));
    const catchers = (state.Catch ?? []) as Matcher[];
    catchers.forEach((catcher, index) => routes.push(transition(name, catchVia(index, catcher), catcher.Next as string)));
    // A failure no catcher takes (after the retries) fails the execution: a route of its own.
    if (state.Type === 'Task' && !catchers.some((catcher) => catcher.ErrorEquals.includes('States.ALL'))) {
      routes.push(transition(name, 'uncaught failure', 'FAILED'));
    }
    ((state.Retry ?? []) as Matcher[]).forEach((retrier, index) => {
      const label = retryLabel(name, index, retrier);
      if (maxAttempts(retrier) === 0) {
        for (const error of retrier.ErrorEquals) routes.push(`${name} Retry[${index}] ${error}: not retried`);
        return;
      }
      routes.push(`${label}: retries, then recovers`, `${label}: gives up after ${maxAttempts(retrier)} retries`);
      for (const error of retrier.ErrorEquals.filter((item) => !isWildcard(item))) routes.push(`${name} Retry[${index}] ${error}: retried`);
    });
  }
  return routes;
}

interface Visit {
  name: string;
  state: AslState;
  /** Per retrier index, how many retries it granted in this visit. */
  retries: number[];
  /** Error of the latest attempt if it failed; undefined if it succeeded or there was none. */
  lastFailure?: string;
  attemptOpen: boolean;
}

/** The routes one execution took, from its history. Throws if the history contradicts the definition. */
export function routesTaken(definition: AslDefinition, history: HistoryEvent[]): string[] {
  const taken: string[] = [];
  let visit: Visit | undefined;

  /** The retrier the ASL applies to an error: the first whose ErrorEquals matches it. */
  const retrierFor = (state: AslState, error: string) => ((state.Retry ?? []) as Matcher[]).findIndex((retrier) => errorMatches(retrier.ErrorEquals, error));

  const closeAttempt = (error: string | undefined) => {
    if (!visit) throw new Error('a task event outside any state');
    visit.lastFailure = error;
    visit.attemptOpen = false;
  };

  /** Ends the current visit: records the retries it saw, and whether its failure used up its retrier. */
  const endVisit = () => {
    if (!visit) return;
    const { name, state, retries, lastFailure } = visit;
    const retriers = (state.Retry ?? []) as Matcher[];
    retries.forEach((count, index) => {
      if (count > 0 && lastFailure === undefined) taken.push(`${retryLabel(name, index, retriers[index])}: retries, then recovers`);
    });
    if (lastFailure !== undefined) {
      const index = retrierFor(state, lastFailure);
      if (index >= 0) {
        const retrier = retriers[index];
        const count = retries[index] ?? 0;
        if (count !== maxAttempts(retrier)) {
          throw new Error(`${name}: ${lastFailure} ended the state after ${count} retries, but Retry[${index}] allows ${maxAttempts(retrier)}`);
        }
        if (count === 0) {
          const listed = retrier.ErrorEquals.includes(lastFailure) ? lastFailure : retrier.ErrorEquals.find(isWildcard);
          taken.push(`${name} Retry[${index}] ${listed}: not retried`);
        } else {
          taken.push(`${retryLabel(name, index, retrier)}: gives up after ${count} retries`);
        }
      }
    }
  };

  const leave = (to: string) => {
    if (!visit) return;
    endVisit();
    const { name, state, lastFailure } = visit;
    if (lastFailure !== undefined) {
      const catchers = (state.Catch ?? []) as Matcher[];
      const index = catchers.findIndex((catcher) => errorMatches(catcher.ErrorEquals, lastFailure));
      if (index < 0 || catchers[index].Next !== to) throw new Error(`${name} failed with ${lastFailure} and went to ${to}: no Catch routes it there`);
      taken.push(transition(name, catchVia(index, catchers[index]), to));
    } else if (state.Type === 'Choice') {
      const rules = ((state.Choices ?? []) as { Next: string }[]).map((rule, index) => ({ ...rule, index })).filter((rule) => rule.Next === to);
      // Telling two rules (or a rule and Default) with the same target apart needs the rules evaluated.
      if (rules.length + (state.Default === to ? 1 : 0) > 1) throw new Error(`${name}: several routes lead to ${to}; teach routesTaken to evaluate the rules`);
      if (rules.length === 1) taken.push(transition(name, `Choices[${rules[0].index}]`, to));
      else if (state.Default === to) taken.push(transition(name, 'Default', to));
      else throw new Error(`${name}: no Choice rule or Default leads to ${to}`);
    } else {
      if (state.Next !== to) throw new Error(`${name} went to ${to}, but its Next is ${state.Next}`);
      taken.push(transition(name, 'Next', to));
    }
  };

  for (const event of history) {
    if (event.type.endsWith('StateEntered')) {
      const name = (event.stateEnteredEventDetails as { name: string }).name;
      const state = definition.States[name];
      if (!state) throw new Error(`history enters ${name}, which the definition does not have`);
      leave(name);
      visit = { name, state, retries: [], attemptOpen: false };
    } else if (event.type === 'TaskScheduled') {
      if (!visit) throw new Error('TaskScheduled outside any state');
      if (visit.lastFailure !== undefined) {
        // A new attempt after a failed one: a retry, granted by the first retrier matching the error.
        const index = retrierFor(visit.state, visit.lastFailure);
        if (index < 0) throw new Error(`${visit.name} retried ${visit.lastFailure}, which no retrier lists`);
        visit.retries[index] = (visit.retries[index] ?? 0) + 1;
        const error = visit.lastFailure;
        const retrier = (visit.state.Retry as Matcher[])[index];
        if (!isWildcard(error) && retrier.ErrorEquals.includes(error)) taken.push(`${visit.name} Retry[${index}] ${error}: retried`);
      }
      visit.lastFailure = undefined;
      visit.attemptOpen = true;
    } else if (event.type === 'TaskSucceeded') {
      closeAttempt(undefined);
    } else if (event.type === 'TaskFailed') {
      closeAttempt((event.taskFailedEventDetails as { error: string }).error);
    } else if (event.type === 'TaskTimedOut') {
      closeAttempt((event.taskTimedOutEventDetails as { error: string }).error);
    } else if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') {
      if (!visit) throw new Error(`${event.type} before any state`);
      endVisit();
      const { name, state, lastFailure } = visit;
      if (state.Type === 'Succeed') taken.push(transition(name, 'Succeed', 'SUCCEEDED'));
      else if (state.Type === 'Fail') taken.push(transition(name, 'Fail', 'FAILED'));
      else if (lastFailure !== undefined && event.type === 'ExecutionFailed') taken.push(transition(name, 'uncaught failure', 'FAILED'));
      else if (state.End && event.type === 'ExecutionSucceeded') taken.push(transition(name, 'End', 'SUCCEEDED'));
      else throw new Error(`${event.type} after ${name}: not a route the definition has`);
      visit = undefined;
    }
  }
  return taken;
}
