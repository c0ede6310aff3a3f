/** The path of the capturekit-emulator executable for this machine; throws (code `ERR_CAPTUREKIT_NO_EMULATOR`) naming the platform when there is none. */
export declare function executablePath(): string
