'use strict'
// Cold-start baseline: Node alone, requiring nothing, then its peak RSS.
const line = require('node:fs').readFileSync('/proc/self/status', 'ascii').split('\n').find((l) => l.startsWith('VmHWM:'))
console.log(JSON.stringify({ importAndClientMs: 0, peakRssMb: Number(line.split(/\s+/)[1]) / 1024 }))
