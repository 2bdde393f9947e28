'use strict';
// Replies as JSON without copying the large strings they carry: a tile's iterations are
// megabytes of base64 that a worker thread already wrote into a buffer.
const crypto = require('node:crypto');

/** Stands in for a raw string while the rest is serialized: unguessable, so no request can forge it. */
const MARK = `"raw-${crypto.randomUUID()}"`;
const QUOTE = Buffer.from('"');
let collecting;

/** ASCII bytes that serialize as one JSON string, as they are: they must need no escaping (base64 does not). */
class RawJsonString {
  constructor(bytes) {
    this.bytes = bytes;
  }
  toJSON() {
    if (!collecting) return `<${this.bytes.length} bytes>`;
    collecting.push(this.bytes);
    return MARK.slice(1, -1);
  }
}

/** `value` as JSON, in pieces: the text around each {@link RawJsonString}, and its bytes. */
function jsonPieces(value) {
  const raws = [];
  collecting = raws;
  let text;
  try {
    text = JSON.stringify(value);
  } finally {
    collecting = undefined;
  }
  const pieces = [];
  text.split(MARK).forEach((part, index) => {
    pieces.push(Buffer.from(part));
    if (index < raws.length) pieces.push(QUOTE, raws[index], QUOTE);
  });
  return pieces;
}

module.exports = { jsonPieces, RawJsonString };
