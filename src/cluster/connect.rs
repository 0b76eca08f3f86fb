//! A cluster is a value: a kube-rs client with the name it is shown under and its default
//! namespace, made from the user's kubeconfig (context choice; exec and token auth as kube-rs
//! supports them) or pointed at a drill cluster. Several can be followed at once.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};

#[derive(Clone)]
pub struct Cluster {
    /// The context name (or `drill`).
    pub name: String,
    pub client: kube::Client,
    pub default_namespace: String,
    pub drill: bool,
    /// No mutating request leaves the process (see `read_only`).
    pub read_only: bool,
    /// Who the cluster says we are, asked once (see `identity`).
    pub whoami: super::identity::WhoAmI,
    config: std::sync::Arc<kube::Config>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("name", &self.name)
            .field("default_namespace", &self.default_namespace)
            .field("drill", &self.drill)
            .field("read_only", &self.read_only)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read the kubeconfig {path}: {error}")]
    Kubeconfig { path: String, error: String },
    #[error("kubeconfig context {context:?}: {error}")]
    Context { context: String, error: String },
    #[error("cannot make a client for {name}: {error}")]
    Client { name: String, error: String },
}

impl Cluster {
    /// The API server's URL, as the kubeconfig names it.
    pub fn url(&self) -> String {
        self.config.cluster_url.to_string()
    }

    /// Connects with a kubeconfig (the default search path when `path` is None) and context
    /// (its current context when None).
    pub async fn from_kubeconfig(path: Option<&Path>, context: Option<&str>) -> Result<Cluster, ConnectError> {
        let shown = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(KUBECONFIG or ~/.kube/config)".into());
        let kubeconfig = match path {
            Some(p) => Kubeconfig::read_from(p),
            None => Kubeconfig::read(),
        }
        .map_err(|e| ConnectError::Kubeconfig {
            path: shown,
            error: e.to_string(),
        })?;
        let name = context
            .map(str::to_string)
            .or_else(|| kubeconfig.current_context.clone())
            .unwrap_or_else(|| "default".into());
        let options = KubeConfigOptions {
            context: context.map(str::to_string),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| ConnectError::Context {
                context: name.clone(),
                error: e.to_string(),
            })?;
        let default_namespace = config.default_namespace.clone();
        let client = build_client(&name, config.clone(), false)?;
        Ok(Cluster {
            name,
            client,
            default_namespace,
            drill: false,
            read_only: false,
            whoami: Default::default(),
            config: std::sync::Arc::new(config),
        })
    }

    /// Points at a drill cluster's API (plain HTTP on loopback, no auth).
    pub fn drill(url: &str) -> Result<Cluster, ConnectError> {
        let bad = |e: String| ConnectError::Client {
            name: "drill".into(),
            error: e,
        };
        let config = kube::Config::new(
            url.parse()
                .map_err(|e: axum::http::uri::InvalidUri| bad(e.to_string()))?,
        );
        let client = build_client("drill", config.clone(), false)?;
        Ok(Cluster {
            name: "drill".into(),
            client,
            default_namespace: "default".into(),
            drill: true,
            read_only: false,
            whoami: Default::default(),
            config: std::sync::Arc::new(config),
        })
    }

    /// The same cluster with read-only mode on or off. Read-only is enforced in the client
    /// itself: a layer refuses every mutating request (access reviews aside) before it is sent.
    pub fn with_read_only(self, read_only: bool) -> Result<Cluster, ConnectError> {
        if read_only == self.read_only {
            return Ok(self);
        }
        let client = build_client(&self.name, (*self.config).clone(), read_only)?;
        Ok(Cluster {
            client,
            read_only,
            ..self
        })
    }
}

impl Cluster {
    /// Who the cluster says we are (its SelfSubjectReview answer, asked once per connection;
    /// `unknown` when it does not say).
    pub async fn identity(&self) -> crate::incident::model::ClusterIdentity {
        self.whoami.identity(&self.client).await
    }

    /// A client for containment actions: the same cluster and read-only mode, but without
    /// kube-rs's automatic retry of 429 answers (up to 15 tries over many minutes), so a
    /// disruption budget's refusal comes back at once and is reported and retried per pod,
    /// as kubectl does.
    pub fn action_client(&self) -> Result<kube::Client, ConnectError> {
        let mut config = (*self.config).clone();
        config.default_retry = false;
        build_client(&self.name, config, self.read_only)
    }
}

/// A client on `config`. Every request says its times are on the cluster's clock
/// ([`warroom_drill::CLOCK_HEADER`]): a drill then serves its times as they are on its own
/// (virtual) clock, which the console reads, rather than moved onto the wall clock as it does
/// for kubectl. A real API server ignores the header.
fn build_client(name: &str, mut config: kube::Config, read_only: bool) -> Result<kube::Client, ConnectError> {
    config.headers.push((
        http::HeaderName::from_static(warroom_drill::CLOCK_HEADER),
        http::HeaderValue::from_static("drill"),
    ));
    let builder = kube::client::ClientBuilder::try_from(config).map_err(|e| ConnectError::Client {
        name: name.to_string(),
        error: e.to_string(),
    })?;
    Ok(if read_only {
        builder.with_layer(&super::read_only::ReadOnlyLayer).build()
    } else {
        builder.build()
    })
}

/// Which cluster a headless command follows, and where the journals are (`warroom watch`,
/// `warroom record`).
#[derive(Debug, Clone, clap::Args)]
pub struct HeadlessArgs {
    /// Kubeconfig context (default: the current context).
    #[arg(long)]
    pub context: Option<String>,
    /// Kubeconfig file (default: KUBECONFIG or ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// Where incident journals are kept, recordings beside them (default: WARROOM_DATA_DIR or
    /// the XDG data directory).
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Keep incidents in the team's PostgreSQL (postgres://…), this machine's journals as its
    /// local copies (default: WARROOM_JOURNAL, else the config's `[journal] address`, else
    /// files only).
    #[arg(long, value_name = "ADDRESS")]
    pub journal: Option<String>,
}

impl HeadlessArgs {
    pub async fn connect(&self) -> Result<Cluster, ConnectError> {
        Cluster::from_kubeconfig(self.kubeconfig.as_deref(), self.context.as_deref()).await
    }

    pub fn store(&self) -> crate::incident::store::Store {
        crate::incident::store::Store::new(&crate::incident::store::data_dir(self.data_dir.as_deref()))
    }
}
