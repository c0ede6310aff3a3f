'use strict'
// Loads the addon through napi-rs's generated loader (native.js). When no binary fits this
// machine, that loader's message blames npm; this one names the machine's platform and the
// platforms this version publishes (from package.json, as `napi prepublish` wrote it).

const pkg = require('./package.json')

/** This machine as napi-rs names its platform packages: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, … */
function platformName() {
  const { platform, arch } = process
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform !== 'linux') return `${platform}-${arch}`
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  const glibc = Boolean(report?.header?.glibcVersionRuntime)
  if (arch === 'arm') return `linux-arm-${glibc ? 'gnueabihf' : 'musleabihf'}`
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

/** napi-rs's platform name of a Rust target triple: `x86_64-unknown-linux-gnu` is `linux-x64-gnu`. */
function napiPlatform(triple) {
  const [cpu, , system, abi] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[cpu] ?? cpu
  if (triple.includes('-apple-darwin')) return `darwin-${arch}`
  if (triple.includes('-windows-')) return `win32-${arch}-${triple.split('-').at(-1)}`
  return `${system}-${arch}-${abi}`
}

/** The platforms this package ships a binary for: its platform packages, or napi's targets. */
function publishedPlatforms() {
  const prefix = `${pkg.name}-`
  const packages = Object.keys(pkg.optionalDependencies ?? {}).filter((name) => name.startsWith(prefix))
  return packages.length > 0 ? packages.map((name) => name.slice(prefix.length)) : pkg.napi.targets.map(napiPlatform)
}

/** Why the installed binary did not load: the loader's errors (a chain of causes) other than the modules it did not find. */
function loadFailure(error) {
  const reasons = []
  for (let each = error?.cause; each; each = each.cause) {
    if (!String(each.message).startsWith('Cannot find module')) reasons.push(String(each.message).split('\n')[0])
  }
  return reasons.join('; ') || String(error?.message)
}

/** Whether the package `name` can be found from here. */
function isInstalled(name) {
  try {
    require.resolve(`${name}/package.json`)
    return true
  } catch {
    return false
  }
}

/** The error for a machine the loader found no binary for, with the loader's own as cause. */
function noBinaryError(cause) {
  const platform = platformName()
  const published = publishedPlatforms()
  const reason = !published.includes(platform)
    ? `${pkg.name} ${pkg.version} publishes no binary for it`
    : isInstalled(`${pkg.name}-${platform}`)
      ? `its package ${pkg.name}-${platform} is installed but its binary did not load (${loadFailure(cause)})`
      : `its package ${pkg.name}-${platform} is not installed (were optional dependencies omitted?)`
  const message = `${pkg.name}: no native library for this platform (${platform}, Node ${process.version}): ${reason}. ` +
    `Platforms published: ${published.join(', ')}. To build from source, see the README's "Install".`
  const error = new Error(message)
  error.code = 'ERR_CAPTUREKIT_NO_NATIVE_LIBRARY'
  error.platform = platform
  error.supportedPlatforms = published
  error.cause = cause
  return error
}

function loadNative() {
  try {
    return require('./native.js')
  } catch (error) {
    if (String(error?.message).startsWith('Cannot find native binding')) throw noBinaryError(error)
    throw error
  }
}

module.exports = loadNative()
