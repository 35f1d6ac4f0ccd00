import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import { readPrivateFile } from '../../core/private-file.js';

/** Where e-mail goes out (config `outbound.smtp`, docs/alerts.md "Delivery"). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS. */
  secure: boolean;
  /** Refuse to send when the server offers no STARTTLS (default: required). */
  requireTls: boolean;
  user?: string | undefined;
  /** File (0600) holding the SMTP password. */
  passwordFile?: string | undefined;
  /** CA certificate (PEM) to trust for the server, besides the system's. */
  caFile?: string | undefined;
  from: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends e-mail through a real SMTP server with nodemailer (RFC 5321, TLS
 * required by default: RFC 3207 STARTTLS or implicit TLS, RFC 8314). What
 * goes into a message is the caller's business; alert messages carry no
 * health data (./messages.ts), since e-mail is not end-to-end encrypted.
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(private readonly s: SmtpSettings) {
    const password = s.passwordFile ? readPrivateFile(s.passwordFile).trim() : undefined;
    this.transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.secure,
      requireTLS: !s.secure && s.requireTls,
      ignoreTLS: !s.secure && !s.requireTls,
      ...(s.user && password !== undefined ? { auth: { user: s.user, pass: password } } : {}),
      tls: {
        minVersion: 'TLSv1.2',
        ...(s.caFile ? { ca: readFileSync(s.caFile, 'utf8') } : {}),
      },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  /** Sends one message; resolves with the server's queue id, rejects with why it was refused. */
  async send(m: MailMessage): Promise<{ messageId: string; response: string }> {
    const info = (await this.transport.sendMail({
      from: this.s.from,
      to: m.to,
      subject: m.subject,
      text: m.text,
    })) as { messageId: string; response: string };
    return { messageId: info.messageId, response: info.response };
  }

  close(): void {
    this.transport.close();
  }
}
