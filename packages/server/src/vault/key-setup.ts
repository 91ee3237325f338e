import { randomBytes } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Config, ConfigError } from '../config/config.js'
import { Vault } from './vault.js'

export const DEV_KEY_FILE = 'dev-encryption-key'

export type KeySource = 'config' | 'dev-file' | 'dev-memory'

export interface ResolvedKeys {
  /** `<kid>:<base64>` entries, the encrypting key first. */
  keys: string[]
  /** Where they came from; anything but `config` is a development key and worth a warning. */
  source: KeySource
  /** True when the keys are a development key rather than configured ones. */
  devKey: boolean
  /** The development key file, for `dev-file`. */
  file?: string
  /** True when the development key file was created by this call. */
  created?: boolean
}

export type KeyConfig = Pick<Config, 'encryptionKeys' | 'devMode' | 'dataDir'>

/** A new `<kid>:<base64 of 32 bytes>` entry; the kid reads `k<yyyymmdd>-<random>`. */
export function generateEncryptionKey(now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '')
  return `k${day}-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`
}

function newDevKey(): string {
  return `dev-${randomBytes(6).toString('hex')}:${randomBytes(32).toString('base64')}`
}

const HOW_TO =
  'generate one with `patchbay keys generate` and set PATCHBAY_ENCRYPTION_KEYS to the printed line ' +
  '(or list it under encryptionKeys in the config file); keep it secret and backed up: stored credentials cannot be read without it'

/**
 * The encryption keys to use. Configured keys always win. Without any, development mode uses a key
 * kept in `<dataDir>/dev-encryption-key` (created with mode 0600 on first use; in memory when
 * dataDir is `:memory:`), and any other mode is refused with a {@link ConfigError}.
 */
export function resolveEncryptionKeys(config: KeyConfig): ResolvedKeys {
  if (config.encryptionKeys.length > 0) return { keys: [...config.encryptionKeys], source: 'config', devKey: false }
  if (!config.devMode) {
    const leftover = config.dataDir !== ':memory:' && existsSync(join(config.dataDir, DEV_KEY_FILE))
    throw new ConfigError(
      `encryptionKeys (PATCHBAY_ENCRYPTION_KEYS) is required outside development mode: ${HOW_TO}` +
        (leftover
          ? `. Data written in development mode is encrypted with the key in ${join(config.dataDir, DEV_KEY_FILE)}: ` +
            'configure that line too (after the new key) and run `patchbay keys rotate`'
          : ''),
    )
  }
  if (config.dataDir === ':memory:') return { keys: [newDevKey()], source: 'dev-memory', devKey: true }

  const file = join(config.dataDir, DEV_KEY_FILE)
  mkdirSync(config.dataDir, { recursive: true })
  let created = false
  if (!existsSync(file)) {
    // Written aside then linked into place: link fails when another process got there first, so a
    // key already in use is never overwritten and nobody reads a half-written file.
    const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
    try {
      writeFileSync(temp, `${newDevKey()}\n`, { mode: 0o600, flag: 'wx' })
      linkSync(temp, file)
      created = true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`cannot create the development encryption key ${file}: ${(err as Error).message}`)
      }
    } finally {
      rmSync(temp, { force: true })
    }
  }
  let entry: string
  try {
    entry = readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new ConfigError(`cannot read the development encryption key ${file}: ${(err as Error).message}`)
  }
  try {
    Vault.fromKeys([entry])
  } catch (err) {
    throw new ConfigError(
      `the development encryption key ${file} is not usable: ${(err as Error).message.replace(/^encryptionKeys\[0\]/, 'its line')}`,
    )
  }
  return { keys: [entry], source: 'dev-file', devKey: true, file, created }
}

export interface LoadedVault extends ResolvedKeys {
  vault: Vault
}

/** Resolves the keys and builds the vault; a bad key entry becomes a {@link ConfigError}. */
export function loadVault(config: KeyConfig): LoadedVault {
  const resolved = resolveEncryptionKeys(config)
  try {
    return { ...resolved, vault: Vault.fromKeys(resolved.keys) }
  } catch (err) {
    if (err instanceof TypeError) throw new ConfigError(`invalid configuration:\n  ${err.message}`)
    throw err
  }
}
