//! A real PostgreSQL server for the journal's tests: Debian's `postgresql` binaries, a private
//! data directory and port, listening on 127.0.0.1 only, stopped (immediately) when dropped. As
//! root it runs as the `postgres` user, since PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::free_port;

/// The database the tests use, made by `initdb` as the superuser `warroom` with trust auth on
/// loopback (no password).
pub const DATABASE: &str = "warroom";

/// A running (or stopped, to simulate an outage) PostgreSQL.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The directory holding `initdb` and `postgres`: Debian keeps them off PATH, under
/// /usr/lib/postgresql/VERSION/bin. The test fails loudly, naming the package, when absent.
fn bin_dir() -> PathBuf {
    if let Some(found) = crate::tools::which("initdb") {
        return found.parent().expect("a directory").to_path_buf();
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path().join("bin"))).collect())
        .unwrap_or_default();
    versions.retain(|b| b.join("initdb").is_file() && b.join("postgres").is_file());
    versions.sort();
    versions.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's `initdb` and `postgres` were not found (on PATH or under /usr/lib/postgresql): \
             install the Debian package `postgresql` (scripts/test does)"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program args` as the `postgres` user when we are root, else as ourselves.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Postgres {
    /// Initializes a new cluster in a temp directory and starts it.
    pub fn start() -> Postgres {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("warroom-pg-")
            .tempdir()
            .expect("temp dir");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(
                ok.success(),
                "cannot give {} to the postgres user",
                dir.path().display()
            );
        }
        let data = dir.path().join("data");
        let out = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "warroom", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let pg = Postgres {
            bin,
            log: dir.path().join("postgres.log"),
            data,
            port: free_port(),
            _dir: dir,
        };
        pg.resume();
        let created = Command::new(pg.psql_path())
            .args(["-h", "127.0.0.1", "-U", "warroom", "-p"])
            .arg(pg.port.to_string())
            .args(["-d", "postgres", "-c", "CREATE DATABASE warroom"])
            .output()
            .expect("run psql");
        assert!(
            created.status.success(),
            "cannot create the database: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        pg
    }

    /// `postgres://warroom@127.0.0.1:PORT/warroom`.
    pub fn url(&self) -> String {
        format!("postgres://warroom@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The real `psql` (beside the server, else on PATH).
    fn psql_path(&self) -> PathBuf {
        let beside = self.bin.join("psql");
        if beside.is_file() {
            return beside;
        }
        crate::tools::require("psql", "postgresql-client")
    }

    /// Runs SQL through the real `psql`, as it ended (unaligned, tuples only; TLS when the
    /// server offers it).
    pub fn try_psql(&self, sql: &str) -> std::process::Output {
        Command::new(self.psql_path())
            .env("PGSSLMODE", "prefer")
            .args(["-h", "127.0.0.1", "-U", "warroom", "-At", "-v", "ON_ERROR_STOP=1", "-p"])
            .arg(self.port.to_string())
            .args(["-d", DATABASE, "-c", sql])
            .output()
            .expect("run psql")
    }

    /// Runs SQL through the real `psql` and returns what it printed (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> String {
        let out = self.try_psql(sql);
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts the server (again) on the same data directory and port; returns once it accepts
    /// connections.
    pub fn resume(&self) {
        let ok = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&self.log)
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
                self.port
            ))
            .args(["-w", "-t", "120", "start"])
            .stdout(Stdio::null())
            .status()
            .expect("run pg_ctl start");
        assert!(
            ok.success(),
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL does not accept connections");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Serves TLS only from now on: the server's certificate and key (copied into the data
    /// directory, as PostgreSQL wants its key private to it), and `hostssl` as the only way in
    /// over TCP, so a connection without TLS is refused.
    pub fn require_tls(&self, cert: &Path, key: &Path) {
        for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
            let to = self.data.join(name);
            std::fs::copy(from, &to).expect("copy a TLS file");
            let mut done = Command::new("chmod").arg("600").arg(&to).status().expect("chmod");
            if is_root() {
                done = Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(&to)
                    .status()
                    .expect("chown");
            }
            assert!(done.success(), "cannot give {} to the server", to.display());
        }
        self.psql("ALTER SYSTEM SET ssl = on");
        self.psql("ALTER SYSTEM SET ssl_cert_file = 'server.crt'");
        self.psql("ALTER SYSTEM SET ssl_key_file = 'server.key'");
        let hba = self.data.join("pg_hba.conf");
        std::fs::write(&hba, "hostssl all all 127.0.0.1/32 trust\n").expect("write pg_hba.conf");
        self.psql("SELECT pg_reload_conf()");
    }

    /// Stops the server at once (as a crash or an outage would), keeping its data.
    pub fn stop(&self) {
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "-t", "60", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
