#!/usr/bin/env node
'use strict'
// `npx capturekit-emulator …`: runs the executable with these arguments, passing on its
// output, stop signals and exit status.
const { spawn } = require('node:child_process')
const { executablePath } = require('./index.js')

const child = spawn(executablePath(), process.argv.slice(2), { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  } else process.exit(code ?? 1)
})
