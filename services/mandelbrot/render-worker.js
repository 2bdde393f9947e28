'use strict';
// A render worker thread: renders one band at a time, in slices, and checks between slices
// whether the band was cancelled (its client left, or its deadline passed).
const fs = require('node:fs');
const os = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const { encodeIterations, renderRows } = require('./render.js');

// Linux schedules threads one by one: at nice 10, this thread leaves the CPU to the main thread,
// which answers probes, whenever both want it. Raising one's own nice value needs no privilege.
try {
  os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // No /proc (not Linux): the thread keeps the process's priority.
}

/** Holds the id of the job to cancel; the main thread writes it, this thread only reads it. */
const cancelled = new Int32Array(workerData.cancel);

/** One array for every band this thread renders, grown as needed: no garbage per band. */
let scratch = new Uint16Array(0);

parentPort.on('message', ({ id, frame, band, sliceIterations }) => {
  const rowsPerSlice = Math.max(1, Math.floor(sliceIterations / (frame.width * frame.maxIterations)));
  const size = frame.width * (band.rowEnd - band.rowStart);
  if (scratch.length < size) scratch = new Uint16Array(size);
  const iterations = scratch.subarray(0, size);
  for (let row = band.rowStart; row < band.rowEnd; row += rowsPerSlice) {
    if (Atomics.load(cancelled, 0) === id) {
      parentPort.postMessage({ id, cancelled: true, rowsLeft: band.rowEnd - row });
      return;
    }
    renderRows(frame, row, Math.min(row + rowsPerSlice, band.rowEnd), iterations, (row - band.rowStart) * frame.width);
  }
  // Handed over without a copy: the main thread writes these bytes into the reply as they are.
  const bytes = encodeIterations(iterations);
  parentPort.postMessage({ id, iterations: bytes.buffer }, [bytes.buffer]);
});
