//! How the console looks and whose it is: theme, keymap and colour depth (flag over config
//! over default; user files in the config directory over shipped ones), the incident to
//! follow, and where journals live.

use std::path::PathBuf;

use crate::app::keymap::{self, Keymap};
use crate::config::Config;
use crate::incident::model::{Actor, IncidentId};
use crate::incident::store::{self, Store};
use crate::theme::{self, ColorDepth, Theme};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConsoleOptions {
    /// Colour theme: default, light, high-contrast, mono, or one of yours.
    #[arg(long)]
    pub theme: Option<String>,
    /// Keymap: default, vim, emacs, or one of yours.
    #[arg(long)]
    pub keymap: Option<String>,
    /// Colours: truecolor, 256, 16 or never (default: from the terminal; NO_COLOR honoured).
    #[arg(long, value_enum)]
    pub color: Option<ColorDepth>,
    /// Follow this incident's journal on the timeline (else declare one with `:declare`).
    #[arg(long)]
    pub incident: Option<IncidentId>,
    /// Where incident journals are kept (default: WARROOM_DATA_DIR or the XDG data directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Keep incidents in the team's PostgreSQL (postgres://…), this machine's journals its
    /// local copies [default: $WARROOM_JOURNAL, else the config's `[journal] address`].
    #[arg(long, value_name = "ADDRESS")]
    pub journal: Option<String>,
    #[command(flatten)]
    pub access: Access,
}

/// Whether this console may change the cluster.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Access {
    /// Send no change out: mutating requests to the cluster and Alertmanager are refused inside
    /// the client, and the status editor publishes nothing (notes and drafts still go to the journal).
    #[arg(long)]
    pub read_only: bool,
    /// Your role in the incident; an observer is always read-only.
    #[arg(long, value_parser = |s: &str| s.parse::<crate::incident::model::Role>())]
    pub role: Option<crate::incident::model::Role>,
}

impl Access {
    pub fn read_only(&self) -> bool {
        self.read_only || self.role == Some(crate::incident::model::Role::Observer)
    }
}

/// The options made concrete: what the console starts with.
pub struct Setup {
    pub theme: Theme,
    pub keymap: Keymap,
    pub depth: ColorDepth,
    pub user_dir: PathBuf,
    pub store: Store,
    /// The team's journal database, when incidents are kept there.
    pub journal: Option<crate::postgres::Target>,
    pub actor: Actor,
    /// Templates, channels and cadence for the status editor.
    pub status: crate::app::status::StatusSetup,
    pub config: Config,
    pub playbooks: Vec<crate::playbook::Playbook>,
}

impl ConsoleOptions {
    pub fn resolve(&self) -> anyhow::Result<Setup> {
        let config = Config::load()?;
        let user_dir = crate::config::path()
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let depth = self
            .color
            .or(config.console.color)
            .unwrap_or_else(ColorDepth::from_environment);
        let theme_name = self
            .theme
            .clone()
            .or(config.console.theme.clone())
            .unwrap_or("default".into());
        let keymap_name = self
            .keymap
            .clone()
            .or(config.console.keymap.clone())
            .unwrap_or("default".into());
        let theme = theme::load(&theme_name, Some(&user_dir.join("themes")), depth)?;
        let keymap = keymap::load(&keymap_name, Some(&user_dir.join("keymaps")))?;
        let store = Store::new(&store::data_dir(self.data_dir.as_deref()));
        let journal = config.journal_target(self.journal.as_deref())?;
        let status = crate::app::status::StatusSetup {
            templates: crate::comms::template::Templates::in_use(None)?.all,
            channels: config.status_channels(),
            cadence: config.status_cadence(),
            definitions: config.definitions(),
        };
        let playbooks =
            crate::playbook::load::available(&user_dir.join("playbooks")).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Setup {
            status,
            theme,
            keymap,
            depth,
            user_dir,
            store,
            journal,
            actor: crate::config::actor(),
            config,
            playbooks,
        })
    }
}
