'use strict'
// Starts a capturekit-emulator process on a free loopback port for one test, and stops it.
const { spawn } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')

const REPO = path.resolve(__dirname, '..', '..')
const FIXTURES = path.join(REPO, 'tests', 'fixtures')
const KEYS = {
  ed25519: path.join(FIXTURES, 'ed25519-key.json'),
  es256: path.join(FIXTURES, 'es256-key.json'),
  unknown: path.join(FIXTURES, 'unknown-key.json'),
}
const BEARER_TOKEN = 'test-bearer-token'
const STATESET_API_KEY = 'test-stateset-key'
const EMULATOR_BIN = process.env.CAPTUREKIT_EMULATOR_BIN || path.join(REPO, 'target', 'debug', 'capturekit-emulator')

async function startEmulator({ settleDelayMs = null } = {}) {
  const args = ['--port', '0', '--key-file', KEYS.ed25519, '--key-file', KEYS.es256, '--bearer-token', BEARER_TOKEN,
    '--stateset-api-key', STATESET_API_KEY]
  args.push(...(settleDelayMs == null ? ['--manual-settle'] : ['--settle-delay-ms', String(settleDelayMs)]))
  const child = spawn(EMULATOR_BIN, args, { stdio: ['ignore', 'pipe', 'ignore'] })
  const firstLine = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout })
    lines.once('line', (line) => resolve(line))
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  const url = firstLine.replace(/^CAPTUREKIT_EMULATOR_URL=/, '')
  return {
    url,
    baseUrl: `${url}/platform`,
    async control(method, route, body) {
      const response = await fetch(`${url}/_emulator/${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
      })
      const value = await response.json()
      if (!response.ok) throw new Error(`control ${route}: ${JSON.stringify(value)}`)
      return value
    },
    async authorizedSession(amount = '10') {
      return (await this.control('POST', 'payment-sessions', { amount })).paymentSessionId
    },
    stop() {
      child.kill()
    },
  }
}

module.exports = { startEmulator, KEYS, BEARER_TOKEN, STATESET_API_KEY, REPO }
