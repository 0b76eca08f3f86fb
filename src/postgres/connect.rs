//! Reaching the team's PostgreSQL: the journal's address (`--journal postgres://…`), its
//! password (in the address, `$WARROOM_JOURNAL_PASSWORD`, or a file), TLS (`sslmode=require`
//! with `sslrootcert=FILE` naming the CA, as libpq spells them), and the schema: versioned
//! migrations applied at start under a lock, a database made by a newer warroom refused.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_postgres::config::SslMode;
use tokio_postgres::{AsyncMessage, Client, NoTls, Notification};

use crate::http::causes;
use crate::incident::journal::JournalError;
use crate::incident::model::IncidentId;

mod embedded {
    refinery::embed_migrations!("src/postgres/migrations");
}

/// The table refinery keeps the applied migrations in.
const SCHEMA_HISTORY: &str = "warroom_schema_history";
/// The advisory lock held while migrating, so consoles starting together migrate once.
const MIGRATION_LOCK: i64 = 0x7761_7272_6f6f_6d01;

/// The environment variable a password may come in.
pub const PASSWORD_VAR: &str = "WARROOM_JOURNAL_PASSWORD";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the journal address {address:?} is not a PostgreSQL connection string: {why}")]
    Address { address: String, why: String },
    #[error("{}: cannot read the journal's password: {source}", .path.display())]
    PasswordFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot read the CA certificate (sslrootcert): {why}", .path.display())]
    Ca { path: PathBuf, why: String },
    #[error("{shown}: sslmode=require needs sslrootcert=FILE, the CA that signed the server's certificate")]
    NoCa { shown: String },
    /// (`cause` is in the message, not a source, so that it is told once.)
    #[error("{shown}: cannot connect: {}", causes(.cause))]
    Connect {
        shown: String,
        cause: tokio_postgres::Error,
    },
    #[error(
        "{shown}: the journal's schema is at version {version} ({name}), which this warroom does \
         not know: a newer warroom made it. Upgrade warroom; nothing was changed"
    )]
    NewerSchema { shown: String, version: i64, name: String },
    #[error("{shown}: cannot bring the journal's schema up to date: {why}")]
    Migrate { shown: String, why: String },
    #[error("{shown}: there is no incident {id} in the journal database")]
    NoIncident { shown: String, id: IncidentId },
    #[error(
        "{shown}: {id}'s entry {seq} there differs from this machine's copy: the two copies \
         have parted. Nothing was written"
    )]
    Parted { shown: String, id: IncidentId, seq: u64 },
    #[error(
        "{}: this machine's copy of {id} holds {here} entries and the database {shown} only \
         {there}: it was written without the database. Push it (`warroom journal push {id}`) \
         or set it aside; nothing was written",
        .path.display()
    )]
    LocalAhead {
        shown: String,
        id: IncidentId,
        path: PathBuf,
        here: u64,
        there: u64,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Store(#[from] crate::incident::store::StoreError),
    #[error("{shown}: cannot {doing}: {}", causes(.cause))]
    Query {
        shown: String,
        doing: &'static str,
        cause: tokio_postgres::Error,
    },
}

/// Where the team's journal is: a parsed connection string, its CA when TLS is asked for,
/// and how to name it without its password.
#[derive(Clone)]
pub struct Target {
    config: tokio_postgres::Config,
    ca: Option<PathBuf>,
    shown: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl Target {
    /// Parses `address` (`postgres://user@host:port/db?sslmode=require&sslrootcert=ca.pem`).
    /// A password absent from it comes from `$WARROOM_JOURNAL_PASSWORD`, else from
    /// `password_file` (its first line).
    pub fn parse(address: &str, password_file: Option<&Path>) -> Result<Target, DbError> {
        let from_env = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
        Target::parse_with(address, from_env, password_file)
    }

    fn parse_with(address: &str, from_env: Option<String>, password_file: Option<&Path>) -> Result<Target, DbError> {
        let (rest, ca) = take_param(address, "sslrootcert");
        let mut config = tokio_postgres::Config::from_str(&rest).map_err(|e| DbError::Address {
            address: hide_password(address),
            why: causes(&e),
        })?;
        if config.get_password().is_none() {
            if let Some(p) = from_env {
                config.password(p);
            } else if let Some(path) = password_file {
                let text = std::fs::read_to_string(path).map_err(|source| DbError::PasswordFile {
                    path: path.to_path_buf(),
                    source,
                })?;
                config.password(text.lines().next().unwrap_or_default());
            }
        }
        if config.get_dbname().is_none() {
            config.dbname("warroom");
        }
        let shown = shown(&config);
        if ca.is_none() && config.get_ssl_mode() == SslMode::Require {
            return Err(DbError::NoCa { shown });
        }
        Ok(Target {
            config,
            ca: ca.map(PathBuf::from),
            shown,
        })
    }

    /// `postgres://user@host:port/db`, never the password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Connects (TLS when a CA is named), then brings the schema up to date.
    pub async fn connect(&self) -> Result<Client, DbError> {
        let (mut client, _) = self.connect_listening().await?;
        migrate(&mut client, &self.shown).await?;
        Ok(client)
    }

    /// Connects (TLS when a CA is named) and hands over the notifications the connection
    /// receives (after a `LISTEN`, which needs no schema: the schema is `connect`'s to check);
    /// the channel closes when the connection does.
    pub async fn connect_listening(&self) -> Result<(Client, mpsc::UnboundedReceiver<Notification>), DbError> {
        Ok(match &self.ca {
            None => {
                let (client, connection) = self
                    .config
                    .connect(NoTls)
                    .await
                    .map_err(|source| self.connect_err(source))?;
                (client, run_connection(connection, self.shown.clone()))
            }
            Some(ca) => {
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(ca)?);
                let (client, connection) = self
                    .config
                    .connect(tls)
                    .await
                    .map_err(|source| self.connect_err(source))?;
                (client, run_connection(connection, self.shown.clone()))
            }
        })
    }

    fn connect_err(&self, source: tokio_postgres::Error) -> DbError {
        DbError::Connect {
            shown: self.shown.clone(),
            cause: source,
        }
    }
}

/// Runs a connection until it closes (how it ended goes to the log), passing on the
/// notifications it receives.
fn run_connection<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    shown: String,
) -> mpsc::UnboundedReceiver<Notification>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = tx.send(n);
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!(journal = %shown, "the journal's connection ended: {}", causes(&e));
                    break;
                }
                None => break,
            }
        }
    });
    rx
}

fn client_config(ca: &Path) -> Result<rustls::ClientConfig, DbError> {
    let ca_err = |why: String| DbError::Ca {
        path: ca.to_path_buf(),
        why,
    };
    let pem = std::fs::read(ca).map_err(|e| ca_err(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut found = 0;
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
        let cert: rustls::pki_types::CertificateDer<'static> = cert.map_err(|e| ca_err(e.to_string()))?;
        roots.add(cert).map_err(|e| ca_err(e.to_string()))?;
        found += 1;
    }
    if found == 0 {
        return Err(ca_err("it holds no PEM certificate".into()));
    }
    crate::http::install_tls_provider();
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Applies the migrations this warroom carries that the database lacks, one warroom at a time;
/// refuses a database that has applied one this warroom does not carry.
async fn migrate(client: &mut Client, shown: &str) -> Result<(), DbError> {
    let query = |doing: &'static str| {
        move |cause| DbError::Query {
            shown: shown.to_string(),
            doing,
            cause,
        }
    };
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(query("take the migration lock"))?;
    let ran = embedded::migrations::runner()
        .set_migration_table_name(SCHEMA_HISTORY)
        .run_async(client)
        .await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(query("release the migration lock"))?;
    match ran {
        Ok(report) => {
            for m in report.applied_migrations() {
                tracing::info!(journal = %shown, version = m.version(), name = m.name(), "applied a journal schema migration");
            }
            Ok(())
        }
        Err(e) => Err(match e.kind() {
            refinery::error::Kind::MissingVersion(m) => DbError::NewerSchema {
                shown: shown.to_string(),
                version: i64::from(m.version()),
                name: m.name().to_string(),
            },
            _ => DbError::Migrate {
                shown: shown.to_string(),
                why: causes(&e),
            },
        }),
    }
}

/// `address` without the parameter `name`, and that parameter's value.
fn take_param(address: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = address.split_once('?') else {
        return (address.to_string(), None);
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((k, v)) if k == name => {
                value = Some(v.to_string());
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        (base.to_string(), value)
    } else {
        (format!("{base}?{}", kept.join("&")), value)
    }
}

/// An address as it may be shown: a password in it replaced by `***`.
fn hide_password(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return address.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => address.to_string(),
    }
}

fn shown(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("warroom");
    format!("postgres://{user}{host}:{port}/{db}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_parameter_is_taken_out_and_the_password_never_shown() {
        let t = Target::parse(
            "postgres://ic:s3cret@db.example:6543/war?sslmode=require&sslrootcert=/etc/ca.pem",
            None,
        )
        .expect("parse");
        assert_eq!(t.shown(), "postgres://ic@db.example:6543/war");
        assert_eq!(t.ca.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(format!("{t:?}"), "postgres://ic@db.example:6543/war");
        let err = Target::parse("postgres://ic:s3cret@db/war?sslmode=require", None).expect_err("no CA");
        assert!(err.to_string().contains("needs sslrootcert=FILE"), "{err}");
        let err = Target::parse("postgres://ic:s3cret@db/war?colour=blue", None).expect_err("unknown");
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("ic:***@db"), "{err}");
    }

    #[test]
    fn a_password_file_names_itself_when_it_cannot_be_read() {
        let err =
            Target::parse_with("postgres://ic@db/war", None, Some(Path::new("/nonexistent/pw"))).expect_err("no file");
        assert!(err.to_string().contains("/nonexistent/pw: cannot read"), "{err}");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "hunter2\n").expect("write");
        let t = Target::parse_with("postgres://ic@db/war", None, Some(&file)).expect("parse");
        assert_eq!(t.config.get_password(), Some(&b"hunter2"[..]));
        // The environment's password comes before the file's; the address's before both.
        let t = Target::parse_with("postgres://ic@db/war", Some("env".into()), Some(&file)).expect("parse");
        assert_eq!(t.config.get_password(), Some(&b"env"[..]));
        let t = Target::parse_with("postgres://ic:url@db/war", Some("env".into()), Some(&file)).expect("parse");
        assert_eq!(t.config.get_password(), Some(&b"url"[..]));
    }
}
