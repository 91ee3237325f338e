import { spawn } from 'node:child_process'
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, posix, relative } from 'node:path'
import { type Copy, DockerfileParser, type Env, type Healthcheck, type Instruction, type JSONInstruction } from 'dockerfile-ast'

// A CommonJS module (`module.exports = ignore`) whose types declare an ES default export.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default

/**
 * Runs a Dockerfile's steps without a Docker engine (none runs on the project's machines), the way
 * the engine would: every stage gets a directory standing for its root file system, COPY copies from
 * the build context (minus .dockerignore) or from an earlier stage's directory, RUN runs `/bin/sh -c`
 * in the stage's WORKDIR with the stage's ENV, on this machine's Node and npm. Instructions it cannot
 * honour outside Docker make it throw rather than pass: the Dockerfile must stay runnable here.
 */

export interface Stage {
  name: string | null
  /** `node:24-bookworm-slim`, ARGs expanded. */
  image: string
  /** The directory that stands for the stage's `/`. */
  root: string
  workdir: string
  env: Record<string, string>
  user: string
  volumes: string[]
  exposed: string[]
  /** Container paths COPY wrote with --chown, and the owner. */
  chowned: Map<string, string>
  healthcheck?: { flags: Record<string, string>; command: string[] }
  stopSignal?: string
  cmd?: string[]
  /** OS packages a RUN step installs with apt-get (checked as installed here, not installed). */
  aptPackages: string[]
}

export interface BuildResult {
  stages: Stage[]
  final: Stage
  /** Each RUN as it was run, with how long it took. */
  log: { stage: string; command: string; ms: number }[]
}

/** A container path (`/app`, relative to the stage's WORKDIR when relative) inside the stage's directory. */
export function hostPath(stage: Stage, containerPath: string): string {
  const absolute = posix.resolve(stage.workdir, containerPath)
  return join(stage.root, absolute)
}

/**
 * The environment of a RUN or of the started CMD: PATH and HOME from this machine (its node, npm and
 * npm settings, as the image has its own), then the Dockerfile's ENV. Nothing else of the test's own
 * environment (DATABASE_URL, npm's npm_config_* of `npm test`) leaks in, as nothing leaks into a
 * Docker build.
 */
export function containerEnv(stage: Stage, extra: Record<string, string> = {}): Record<string, string> {
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((p) => p && !p.includes('node_modules'))
    .join(':')
  return { PATH: path, HOME: process.env.HOME ?? '/root', ...stage.env, ...extra }
}

function flagsOf(instruction: Instruction): Record<string, string> {
  const withFlags = instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] }
  return Object.fromEntries((withFlags.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue() ?? '']))
}

function jsonArgs(instruction: Instruction, what: string): string[] {
  const strings = (instruction as JSONInstruction).getJSONStrings?.() ?? []
  if (strings.length === 0) throw new Error(`${what} must use the exec form (a JSON array): ${instruction.getArgumentsContent()}`)
  return strings.map((s) => s.getJSONValue())
}

function run(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`RUN ${command} failed (${signal ?? `exit ${code}`}):\n${output.slice(-4000)}`))
    })
  })
}

/** `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`: the packages, or null if not that shape. */
function aptInstall(command: string): string[] | null {
  if (!/\bapt-get\b/.test(command)) return null
  const packages: string[] = []
  for (const part of command.split('&&').map((p) => p.trim())) {
    if (part === 'apt-get update' || part === 'rm -rf /var/lib/apt/lists/*') continue
    const install = /^apt-get install((?:\s+-[-\w]+)*)((?:\s+[a-z0-9][a-z0-9+.-]*)+)$/.exec(part)
    if (!install)
      throw new Error(`a RUN with apt-get may only update, install and clean up (keep other commands in their own RUN): ${part}`)
    packages.push(...(install[2] as string).trim().split(/\s+/))
  }
  return packages
}

async function checkInstalled(packages: string[]): Promise<void> {
  for (const name of packages) {
    const status = await new Promise<string>((resolve) => {
      const child = spawn('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('error', () => resolve('dpkg-query missing'))
      child.on('exit', () => resolve(out))
    })
    if (status !== 'install ok installed')
      throw new Error(`the image installs the Debian package ${name}; this machine lacks it (${status || 'not installed'})`)
  }
}

/** Files of the build context that .dockerignore lets through, as paths relative to the context. */
export function contextFiles(context: string): string[] {
  const file = join(context, '.dockerignore')
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : []
  const ig = ignore().add(patterns)
  // A directory that is ignored can only be skipped whole when no `!` exception could bring a file back.
  const prune = !patterns.some((p) => p.startsWith('!'))
  const out: string[] = []
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(context, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        if (prune && ig.ignores(`${path}/`)) continue
        walk(path)
      } else if (!ig.ignores(path)) out.push(path)
    }
  }
  walk('')
  return out
}

function copyInstruction(instruction: Copy, stage: Stage, stages: Stage[], context: string, contextList: () => string[]): void {
  const flags = flagsOf(instruction)
  const args = instruction.getArguments().map((a) => a.getValue())
  if (args.length < 2) throw new Error(`COPY needs a source and a destination: ${instruction.getArgumentsContent()}`)
  const sources = args.slice(0, -1)
  const destination = args.at(-1) as string
  for (const [flag] of Object.entries(flags)) {
    if (flag !== 'from' && flag !== 'chown') throw new Error(`COPY --${flag} is not handled by this test`)
  }
  const destIsDir = destination.endsWith('/') || destination === '.' || sources.length > 1
  const target = hostPath(stage, destination)
  for (const source of sources) {
    if (/[*?[]/.test(source)) throw new Error(`COPY with a wildcard is not handled by this test: ${source}`)
    if (flags.from !== undefined) {
      const from = stages.find((s) => s.name === flags.from)
      if (!from) throw new Error(`COPY --from=${flags.from}: no earlier stage of that name`)
      const src = join(from.root, posix.resolve('/', source))
      if (!existsSync(src)) throw new Error(`COPY --from=${flags.from} ${source}: not in that stage`)
      const isDir = lstatSync(src).isDirectory()
      const dest = isDir || !destIsDir ? target : join(target, posix.basename(source))
      mkdirSync(isDir ? dest : dirname(dest), { recursive: true })
      // Symbolic links are copied as they are (npm's workspace links are relative), as Docker does.
      cpSync(src, dest, { recursive: true, verbatimSymlinks: true })
    } else {
      const prefix = posix
        .normalize(source)
        .replace(/^\.\/?/, '')
        .replace(/\/$/, '')
      const files = contextList().filter((f) => !prefix || f === prefix || f.startsWith(`${prefix}/`))
      if (files.length === 0) throw new Error(`COPY ${source}: nothing in the build context (or all of it in .dockerignore)`)
      const single = files.length === 1 && files[0] === prefix
      for (const file of files) {
        const rel = single ? posix.basename(file) : relative(prefix || '.', file)
        const dest = single && !destIsDir ? target : join(target, rel)
        mkdirSync(dirname(dest), { recursive: true })
        cpSync(join(context, file), dest, { verbatimSymlinks: true })
      }
    }
    if (flags.chown !== undefined) stage.chowned.set(posix.resolve(stage.workdir, destination), flags.chown)
  }
}

/** Runs every stage of `dockerfile` (a path) with `context` as the build context, in stage directories under `work`. */
export async function buildOutsideDocker(dockerfile: string, context: string, work: string): Promise<BuildResult> {
  const parsed = DockerfileParser.parse(readFileSync(dockerfile, 'utf8'))
  const stages: Stage[] = []
  const log: BuildResult['log'] = []
  let list: string[] | undefined
  const contextList = () => (list ??= contextFiles(context))
  let stage: Stage | undefined
  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword()
    if (keyword === 'FROM') {
      const [image, as, name] = instruction.getExpandedArguments().map((a) => a.getValue())
      stage = {
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        image: image as string,
        root: join(work, `stage-${stages.length}`),
        workdir: '/',
        env: {},
        user: 'root',
        volumes: [],
        exposed: [],
        chowned: new Map(),
        aptPackages: [],
      }
      mkdirSync(stage.root, { recursive: true })
      stages.push(stage)
      continue
    }
    if (keyword === 'ARG') {
      // A global ARG only feeds FROM lines (expanded by the parser); one inside a stage is a variable of its RUNs.
      if (stage) {
        for (const p of (instruction as Env).getProperties()) stage.env[p.getName()] = p.getValue() ?? ''
      }
      continue
    }
    if (!stage) throw new Error(`${keyword} before the first FROM`)
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, instruction.getExpandedArguments()[0]?.getValue() ?? '/')
        mkdirSync(hostPath(stage, '.'), { recursive: true })
        break
      case 'ENV':
        for (const p of (instruction as Env).getProperties()) stage.env[p.getName()] = p.getValue() ?? ''
        break
      case 'COPY':
        copyInstruction(instruction as Copy, stage, stages, context, contextList)
        break
      case 'RUN': {
        const command = instruction.getArgumentsContent() ?? ''
        if ((instruction as JSONInstruction).getJSONStrings().length > 0)
          throw new Error(`RUN in exec form is not handled by this test: ${command}`)
        if (Object.keys(flagsOf(instruction)).length > 0) throw new Error(`RUN with flags is not handled by this test: ${command}`)
        const packages = aptInstall(command)
        const started = Date.now()
        if (packages) {
          await checkInstalled(packages)
          stage.aptPackages.push(...packages)
        } else {
          // Run here, an absolute path would be this machine's, not the image's.
          if (/(^|[\s=>"'])\/(?!dev\/null)/.test(command))
            throw new Error(`RUN with an absolute path cannot run outside Docker: ${command}`)
          await run(command, hostPath(stage, '.'), containerEnv(stage))
        }
        log.push({ stage: stage.name ?? `#${stages.length - 1}`, command, ms: Date.now() - started })
        break
      }
      case 'USER':
        stage.user = instruction.getExpandedArguments()[0]?.getValue() ?? ''
        break
      case 'VOLUME':
        stage.volumes.push(...jsonArgs(instruction, 'VOLUME'))
        break
      case 'EXPOSE':
        stage.exposed.push(...instruction.getExpandedArguments().map((a) => a.getValue()))
        break
      case 'HEALTHCHECK': {
        const content = (instruction as Healthcheck).getArgumentsContent() ?? ''
        const at = content.indexOf('CMD ')
        if (at < 0) throw new Error(`HEALTHCHECK must name a CMD: ${content}`)
        stage.healthcheck = { flags: flagsOf(instruction), command: JSON.parse(content.slice(at + 4)) as string[] }
        break
      }
      case 'STOPSIGNAL':
        stage.stopSignal = instruction.getExpandedArguments()[0]?.getValue()
        break
      case 'CMD':
        stage.cmd = jsonArgs(instruction, 'CMD')
        break
      case 'LABEL':
        break
      default:
        throw new Error(`${keyword} is not handled by this test: teach packages/server/test/ops/docker-build.ts what it does`)
    }
  }
  const final = stages.at(-1)
  if (!final) throw new Error('no FROM in the Dockerfile')
  return { stages, final, log }
}
