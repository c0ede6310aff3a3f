'use strict'
// The capturekit-emulator executable, from this machine's platform package (an optional
// dependency, as esbuild and napi-rs ship binaries): `executablePath()` names it.

const path = require('node:path')
const pkg = require('./package.json')

/** This machine as the platform packages are named (napi-rs's names): `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, … */
function platformName() {
  const { platform, arch } = process
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform !== 'linux') return `${platform}-${arch}`
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  const glibc = Boolean(report?.header?.glibcVersionRuntime)
  if (arch === 'arm') return `linux-arm-${glibc ? 'gnueabihf' : 'musleabihf'}`
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

/** The platforms published: the platform packages this package names. */
function publishedPlatforms() {
  const prefix = `${pkg.name}-`
  return Object.keys(pkg.optionalDependencies ?? {}).filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length))
}

/** The path of the emulator executable for this machine; throws naming the platform when there is none. */
function executablePath() {
  const platform = platformName()
  const published = publishedPlatforms()
  const platformPackage = `${pkg.name}-${platform}`
  let manifest
  try {
    manifest = require.resolve(`${platformPackage}/package.json`)
  } catch (cause) {
    const reason = published.includes(platform)
      ? `its package ${platformPackage} is not installed (were optional dependencies omitted?)`
      : `${pkg.name} ${pkg.version} publishes no executable for it`
    const error = new Error(`${pkg.name}: no executable for this platform (${platform}): ${reason}. ` +
      `Platforms published: ${published.join(', ')}.`, { cause })
    error.code = 'ERR_CAPTUREKIT_NO_EMULATOR'
    throw error
  }
  return path.join(path.dirname(manifest), process.platform === 'win32' ? 'capturekit-emulator.exe' : 'capturekit-emulator')
}

module.exports = { executablePath }
