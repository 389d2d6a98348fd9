// The optional initializer (NIMBUS_INITIALIZER=file.export), run once during init before the
// first /next: `initializer(context, callback)`, or returning a promise. Loaded only when set.
import { randomUUID } from 'node:crypto';
import { clearLoopIdle, initContext, isThenable, onLoopIdle } from './context.mjs';
import { InitializerError, wrapError } from './errors.mjs';
import { loadHandler } from './load-handler.mjs';

/**
 * @param {string} spec  `file.export`, resolved like `_HANDLER`
 * @param {string} taskRoot
 * @param {'lambda' | 'fc'} flavour  picks the context: FC's or a Lambda-like one
 * @throws {Error} the loader's Runtime.* errors, or Runtime.InitializerError when the
 *   initializer throws, rejects or calls back an error
 */
export async function runInitializer(spec, taskRoot, flavour) {
  const initializer = await loadHandler(taskRoot, spec);
  const env = process.env;
  const timeoutS = Number(
    env.NIMBUS_INITIALIZATION_TIMEOUT_S || env.NIMBUS_FUNCTION_TIMEOUT_S || 3,
  );
  const context =
    flavour === 'fc'
      ? (await import('./fc.mjs')).fcContext(randomUUID())
      : initContext(Date.now() + timeoutS * 1000);
  try {
    await call(initializer, context);
  } catch (err) {
    throw wrapError(InitializerError, err, true);
  }
}

/**
 * @param {Function} initializer
 * @param {object} context
 * @returns {Promise<void>}
 */
function call(initializer, context) {
  return new Promise((resolve, reject) => {
    let finished = false;
    /** @param {unknown} [err] */
    const finish = (err) => {
      if (finished) return;
      finished = true;
      clearLoopIdle();
      if (err != null) reject(err);
      else resolve();
    };
    onLoopIdle(() =>
      finish(new Error('The initializer neither called back nor settled its promise.')),
    );
    try {
      const result = initializer(context, finish);
      if (isThenable(result))
        result.then(
          () => finish(),
          (err) => finish(err ?? 'handled'),
        );
      // A one-argument initializer that returns nothing is done when it returns.
      else if (initializer.length < 2) finish();
    } catch (err) {
      finish(err ?? 'handled');
    }
  });
}
