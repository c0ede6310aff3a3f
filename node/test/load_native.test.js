'use strict'
// The loader's error when no binary fits: it names the machine's platform as napi-rs names
// platform packages, and the platforms published, also from a development checkout (where
// package.json lists napi's target triples and no platform packages yet).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

/** The error `require('capturekit-sdk')` throws on a machine posing as `platform`/`arch`. */
function loadAs(platform, arch) {
  const script = `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} })
Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} })
try { require(${JSON.stringify(path.join(__dirname, '..'))}); console.log('loaded') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, platform: e.platform, supported: e.supportedPlatforms })) }`
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  return JSON.parse(run.stdout)
}

test('a platform with no binary is named as its platform package would be', () => {
  for (const [platform, arch, name] of [['linux', 'arm64', 'linux-arm64-gnu'], ['win32', 'x64', 'win32-x64-msvc'],
    ['linux', 'arm', 'linux-arm-gnueabihf'], ['darwin', 'arm64', 'darwin-arm64']]) {
    const error = loadAs(platform, arch)
    assert.equal(error.code, 'ERR_CAPTUREKIT_NO_NATIVE_LIBRARY')
    assert.equal(error.platform, name)
    assert.match(error.message, new RegExp(`\\(${name}, Node .*publishes no binary for it`))
  }
})

test('the platforms published are platform names, not target triples', () => {
  const error = loadAs('linux', 'arm64')
  assert.deepEqual(error.supported, ['linux-x64-gnu'])
  assert.match(error.message, /Platforms published: linux-x64-gnu\./)
})
