// Real servers on 127.0.0.1 for the alert tests, started by the tests and stopped after: an SMTP
// server (Debian's python3-aiosmtpd, smtp-server.py) and an HTTP receiver (node:http) that keeps
// every request it gets (webhooks and heartbeat pings).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as sent (headers and body). */
  data: string;
  signedIn: boolean;
}

export interface SmtpServer {
  port: number;
  mails: ReceivedMail[];
  /** The subjects received, in order. */
  subjects(): string[];
  stop(): Promise<void>;
}

/** A Python that has aiosmtpd (Debian's python3-aiosmtpd installs it for /usr/bin/python3), or the reason there is none. */
export function smtpPython(): { python?: string; missing?: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0) return { python };
  }
  return { missing: 'no python3 with aiosmtpd (apt-get install python3-aiosmtpd; .ci/run installs it)' };
}

/** Starts the SMTP server (on `port`, or a free one), asking for `login` when given. */
export async function startSmtpServer(o: { port?: number; login?: { user: string; password: string } } = {}): Promise<SmtpServer> {
  const { python, missing } = smtpPython();
  if (!python) throw new Error(missing);
  const args = [path.join(import.meta.dirname, 'smtp-server.py'), String(o.port ?? 0), ...(o.login ? [o.login.user, o.login.password] : [])];
  const child: ChildProcess = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const mails: ReceivedMail[] = [];
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let carry = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (carry + d.toString()).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const parsed = JSON.parse(line) as { port?: number } & ReceivedMail;
        if (parsed.port !== undefined) resolve(parsed.port);
        else mails.push(parsed);
      }
    });
    child.on('exit', (code) => reject(new Error(`the SMTP server stopped (${code}): ${errors}`)));
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    port,
    mails,
    subjects: () => mails.map((m) => /^Subject: (.*)$/m.exec(m.data.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? ''),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: ReceivedRequest[];
  /** The requests to paths starting with `prefix`. */
  to(prefix: string): ReceivedRequest[];
  /** Answers every request with this status from now on (200 by default). */
  answer(status: number): void;
  stop(): Promise<void>;
}

/** Starts an HTTP server that records every request and answers 200 (or what `answer` says). */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    to: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    answer: (s) => void (status = s),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
