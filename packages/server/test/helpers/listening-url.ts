import type { ChildProcess } from 'node:child_process'

/**
 * Waits for a Patchbay process started as a child (`patchbay start`, log level info or lower) to log
 * the URL it listens on. Returns that URL and, for later reading, everything the child prints on
 * stdout and stderr (its log lines, its errors). Rejects, with that output, if the child exits first
 * or prints no URL within `timeoutMs`.
 */
export async function listeningUrl(
  child: ChildProcess,
  what = 'the server',
  timeoutMs = 20_000,
): Promise<{ url: string; output: () => string }> {
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code}: ${out}`))
    })
  })
  return { url, output: () => out }
}
