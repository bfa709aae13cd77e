import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { expect } from '@playwright/test';

const ROOT = path.resolve(__dirname, '../..');

export type Mail = { to: string; from: string; subject: string; text: string; html: string };

/** The real SMTP server the Rust tests use too (scripts/mail_sink.py, aiosmtpd). */
export class MailSink {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private child: ChildProcess,
  ) {}

  static async start(port: number): Promise<MailSink> {
    const dir = path.join(ROOT, 'end2end/.tmp', `mail-${port}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const python = path.join(ROOT, '.tools/python/bin/python');
    const child = spawn(python, [path.join(ROOT, 'scripts/mail_sink.py'), String(port), dir], {
      stdio: 'ignore',
    });
    await expect.poll(() => listening(port), { timeout: 20_000 }).toBe(true);
    return new MailSink(port, dir, child);
  }

  messages(): Mail[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8')) as Mail);
  }

  /** Waits for a message to `to` whose subject matches, and returns it. */
  async waitFor(to: string, subject: RegExp): Promise<Mail> {
    const find = () => this.messages().find((m) => m.to.includes(to) && subject.test(m.subject));
    await expect.poll(() => find() !== undefined, { timeout: 20_000, message: `email to ${to}` }).toBe(true);
    return find()!;
  }

  stop() {
    this.child.kill();
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The invite link in an email's plain-text part. */
export function inviteLink(mail: Mail): string {
  const match = mail.text.match(/https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/);
  expect(match, `a link in: ${mail.text}`).not.toBeNull();
  return match![0];
}
