'use strict';
// A pool of render worker threads: the main thread keeps answering probes while bands render.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

/**
 * Escape iterations a worker renders between two looks at its cancel flag: about 30 ms of one
 * CPU, so a cancelled band stops within that much work.
 */
const SLICE_ITERATIONS = 10_000_000;

/** A band that stopped before it was done; `reason` says why (see {@link createRenderPool}). */
class RenderCancelled extends Error {
  constructor(reason) {
    super(`render cancelled: ${reason}`);
    this.name = 'RenderCancelled';
    this.reason = reason;
  }
}

/**
 * `size` worker threads and a queue of bands in front of them. The queue itself is unbounded:
 * admission control in front of the pool bounds how many bands can wait.
 *
 * `run(frame, band, signal, order)` resolves with the band's iterations: a Buffer holding the
 * ASCII of base64 of little-endian 16-bit escape counts. Bands wait in `order`, lowest first
 * (by default, as they come): a request's later bands go before those of requests admitted
 * after it, so the earliest request finishes first instead of all of them late. When `signal` aborts, a waiting band leaves the queue and a running band
 * stops at its next slice; either way the promise rejects with a {@link RenderCancelled}
 * carrying `signal.reason`.
 */
function createRenderPool({ size }) {
  const slots = [];
  const queue = [];
  let nextId = 1;
  let closed = false;

  function settle(job, outcome) {
    job.signal.removeEventListener('abort', job.onAbort);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  function dispatch() {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.job) continue;
      const job = queue.shift();
      slot.job = job;
      slot.worker.postMessage({ id: job.id, frame: job.frame, band: job.band, sliceIterations: SLICE_ITERATIONS });
    }
  }

  function startWorker(slot) {
    const cancel = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    slot.cancel = new Int32Array(cancel);
    // A band needs a few MB of heap at most; a small heap keeps each thread's garbage small too.
    slot.worker = new Worker(path.join(__dirname, 'render-worker.js'), { workerData: { cancel }, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    slot.worker.on('message', (message) => {
      const job = slot.job;
      slot.job = undefined;
      if (job && job.id === message.id) settle(job, message.cancelled ? new RenderCancelled(job.signal.reason) : Buffer.from(message.iterations));
      // After the settled request has queued its next band (in microtasks), so that band goes first.
      setImmediate(dispatch);
    });
    slot.worker.on('error', (error) => (slot.error = error));
    // A worker that dies fails its band and is replaced; the pool keeps its size.
    slot.worker.on('exit', (code) => {
      if (closed) return;
      const job = slot.job;
      slot.job = undefined;
      if (job) settle(job, slot.error || new Error(`render worker exited with code ${code}`));
      slot.error = undefined;
      startWorker(slot);
      dispatch();
    });
  }

  for (let index = 0; index < size; index++) {
    const slot = {};
    startWorker(slot);
    slots.push(slot);
  }

  function cancel(job) {
    const waiting = queue.indexOf(job);
    if (waiting >= 0) {
      queue.splice(waiting, 1);
      settle(job, new RenderCancelled(job.signal.reason));
      return;
    }
    const slot = slots.find((candidate) => candidate.job === job);
    if (slot) Atomics.store(slot.cancel, 0, job.id);
  }

  return {
    size,
    run(frame, band, signal, order = nextId) {
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(new RenderCancelled(signal.reason));
        const job = { id: nextId++, order, frame, band, signal, resolve, reject };
        job.onAbort = () => cancel(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
        const after = queue.findIndex((waiting) => waiting.order > order);
        queue.splice(after < 0 ? queue.length : after, 0, job);
        dispatch();
      });
    },
    /** Workers rendering a band now, and bands waiting for one. */
    stats() {
      return { busy: slots.filter((slot) => slot.job).length, queued: queue.length };
    },
    close() {
      closed = true;
      return Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}

module.exports = { createRenderPool, RenderCancelled, SLICE_ITERATIONS };
