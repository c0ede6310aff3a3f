'use strict'
// Loads the addon through napi-rs's generated loader (native.js). When no binary fits this
// machine, that loader's message blames npm; this one names the machine's platform and the
// platforms this version publishes (from package.json, as `napi prepublish` wrote it).

const pkg = require('./package.json')

/** This machine as napi-rs names its platform packages: `linux-x64-gnu`, `darwin-arm64`, … */
function platformName() {
  if (process.platform !== 'linux') return `${process.platform}-${process.arch}`
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  const glibc = report?.header?.glibcVersionRuntime
  return `linux-${process.arch}-${glibc ? 'gnu' : 'musl'}`
}

/** The platforms this package ships a binary for: its platform packages, or napi's targets. */
function publishedPlatforms() {
  const prefix = `${pkg.name}-`
  const packages = Object.keys(pkg.optionalDependencies ?? {}).filter((name) => name.startsWith(prefix))
  return packages.length > 0 ? packages.map((name) => name.slice(prefix.length)) : pkg.napi.targets
}

/** The error for a machine the loader found no binary for, with the loader's own as cause. */
function noBinaryError(cause) {
  const platform = platformName()
  const published = publishedPlatforms()
  const reason = published.includes(platform)
    ? `its package ${pkg.name}-${platform} is not installed (were optional dependencies omitted?)`
    : `${pkg.name} ${pkg.version} publishes no binary for it`
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
