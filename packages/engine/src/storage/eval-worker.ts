/**
 * Starting a worker thread from a function in this package. The function runs as an `eval`
 * worker (CommonJS), given `require`, and must use nothing else from its closure. That way the
 * same code runs from the TypeScript sources under vitest and from the built dist, with no
 * separate worker file to locate and no loader for `.ts` files.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** The shape of a worker program: everything it needs comes through `require`. */
export type WorkerMain = (require: (id: string) => unknown) => void;

export function startEvalWorker(main: WorkerMain, resourceLimits?: ResourceLimits): Worker {
  return new Worker(`(${main.toString()})(require);`, { eval: true, ...(resourceLimits ? { resourceLimits } : {}) });
}
