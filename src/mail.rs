//! Sending e-mail (password-reset links) through one SMTP relay, as plain text. A leaf: it
//! knows no other module of ours.
//!
//! The relay is `CHRONICLE_SMTP_URL`, `smtp://host[:port]` (port 25 by default), spoken to
//! in plain SMTP without credentials: the mail server on the same host or network that
//! relays onwards (Postfix, an MTA sidecar), which is where TLS and authentication towards
//! the outside belong. This build has no TLS library, so `smtps://` and credentials in the
//! URL are refused when the settings are read rather than sent in the clear.
//!
//! Sending blocks (lettre's `SmtpTransport`): call [`Mailer::send`] from a blocking thread.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{Message, SmtpTransport, Transport};

/// How long one SMTP command may take before the sending is given up.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where mail goes and whom it is from.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// The relay's host and port from an `smtp://` URL, or why the URL cannot be used.
pub fn relay_of(url: &str) -> Result<(String, u16), String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| format!("CHRONICLE_SMTP_URL {url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "smtp" => {}
        "smtps" => {
            return Err(format!(
                "CHRONICLE_SMTP_URL {url:?}: smtps:// needs TLS, which this build does not \
                 have; use smtp://host:port of a relay on your network that sends onwards \
                 with TLS"
            ));
        }
        other => {
            return Err(format!(
                "CHRONICLE_SMTP_URL must start with smtp://, got {other}:// in {url:?}"
            ));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "CHRONICLE_SMTP_URL must not carry a user name or password: without TLS they \
             would cross the network in the clear; let the relay authenticate onwards"
                .to_owned(),
        );
    }
    if parsed.query().is_some() || !matches!(parsed.path(), "" | "/") {
        return Err(format!(
            "CHRONICLE_SMTP_URL takes only smtp://host[:port], got {url:?}"
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("CHRONICLE_SMTP_URL {url:?} names no host"))?;
    // `Url` keeps the brackets of an IPv6 address; a socket address wants it bare.
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((host, parsed.port().unwrap_or(25)))
}

/// The `From` mailbox, or why it is not one.
pub fn mailbox_of(from: &str) -> Result<Mailbox, String> {
    from.trim().parse::<Mailbox>().map_err(|e| {
        format!(
            "CHRONICLE_MAIL_FROM {from:?} is not an address like \
             `Chronicle <noreply@example.org>`: {e}"
        )
    })
}

impl Mailer {
    /// A mailer for the relay at `smtp_url`, sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let (host, port) = relay_of(smtp_url)?;
        let from = mailbox_of(from)?;
        // "Dangerous" in lettre's words only because it does not insist on TLS: see the
        // module's first lines for why this relay is spoken to in plain SMTP.
        let transport = SmtpTransport::builder_dangerous(host)
            .port(port)
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Sends one plain-text message to `to`. Blocks until the relay has taken it.
    pub fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| format!("the address {to:?} cannot be written to: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| format!("the relay did not take the message: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_smtp_relays_without_credentials_are_taken() {
        assert_eq!(
            relay_of("smtp://127.0.0.1:2525"),
            Ok(("127.0.0.1".to_owned(), 2525))
        );
        assert_eq!(
            relay_of("smtp://mail.example.org"),
            Ok(("mail.example.org".to_owned(), 25))
        );
        assert_eq!(relay_of("smtp://[::1]:25"), Ok(("::1".to_owned(), 25)));
        for refused in [
            "smtps://mail.example.org",
            "http://mail.example.org",
            "smtp://user:secret@mail.example.org",
            "smtp://mail.example.org/path",
            "smtp://mail.example.org?tls=required",
            "mail.example.org",
        ] {
            assert!(relay_of(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_sender_must_be_a_mailbox() {
        assert!(mailbox_of("Chronicle <noreply@localhost>").is_ok());
        assert!(mailbox_of("press@example.edu").is_ok());
        assert!(mailbox_of("not an address").is_err());
    }
}
