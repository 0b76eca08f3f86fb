//! The last picture of a cluster a console held: its rows, kept on disk (JSON, compressed), so
//! that the next console on that cluster shows it at once, marked with its age and with
//! actions held, while the watches catch up. At 150,000 pods that is the difference between a
//! blank screen for 25 s and an honest picture in under a second.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::intern::Interner;
use super::model::{Change, ClusterModel, Key, Update, WorkloadKey};
use super::rows::{NodeRow, PodRow, WarningRow, WorkloadRow};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Picture {
    /// When it was taken (seconds since the epoch).
    pub at: i64,
    pub nodes: Vec<(Key, NodeRow)>,
    pub pods: Vec<(Key, PodRow)>,
    pub workloads: Vec<(WorkloadKey, WorkloadRow)>,
    pub warnings: Vec<(Key, WarningRow)>,
}

/// Why a picture could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("{path}: cannot {doing}: {source}")]
    Io {
        path: PathBuf,
        doing: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: not a picture warroom kept ({why})")]
    Broken { path: PathBuf, why: String },
}

impl Picture {
    /// The model's rows at `at`.
    pub fn of(model: &ClusterModel, at: i64) -> Picture {
        fn rows<K: Clone, R: Clone>(m: &std::collections::HashMap<K, R>) -> Vec<(K, R)> {
            m.iter().map(|(k, r)| (k.clone(), r.clone())).collect()
        }
        Picture {
            at,
            nodes: rows(&model.nodes),
            pods: rows(&model.pods),
            workloads: rows(&model.workloads),
            warnings: rows(&model.warnings),
        }
    }

    /// Puts the rows in `model` (its strings shared again, as the watches share them), marked
    /// as recorded at the picture's time until every watch has answered.
    pub fn into_model(self, model: &mut ClusterModel) {
        let mut i = Interner::default();
        let key = |(ns, name): Key, i: &mut Interner| (i.share(ns), i.share(name));
        for (k, row) in self.nodes {
            let k = key(k, &mut i);
            model.apply(Update::Node(Change::Apply(k, row)));
        }
        for (k, mut row) in self.pods {
            let k = key(k, &mut i);
            row.node = row.node.map(|n| i.share(n));
            if let Some(t) = row.trouble.as_deref_mut() {
                t.waiting = t.waiting.take().map(|w| i.share(w));
                t.last_termination = t.last_termination.take().map(|t| i.share(t));
                t.reason = t.reason.take().map(|r| i.share(r));
            }
            if let Some(o) = row.owner.as_mut() {
                o.name = i.share(o.name.clone());
            }
            model.apply(Update::Pod(Change::Apply(k, row)));
        }
        for ((ns, kind, name), row) in self.workloads {
            let k = key((ns, name), &mut i);
            model.apply(Update::Workload(kind, Change::Apply(k, row)));
        }
        for (k, row) in self.warnings {
            let k = key(k, &mut i);
            model.apply(Update::Warning(Change::Apply(k, row)));
        }
        model.recorded = Some(self.at);
    }

    /// Writes the picture to `path` whole or not at all (a temporary file, then renamed).
    pub fn save(&self, path: &Path) -> Result<(), PictureError> {
        let io = |doing| {
            move |source| PictureError::Io {
                path: path.to_path_buf(),
                doing,
                source,
            }
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io("create its directory"))?;
        }
        let json = serde_json::to_vec(self).expect("rows serialize");
        let packed = zstd::bulk::compress(&json, 3).map_err(io("compress it"))?;
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io("write it"))?;
        f.write_all(&packed).map_err(io("write it"))?;
        f.sync_all().map_err(io("write it"))?;
        std::fs::rename(&tmp, path).map_err(io("write it"))
    }

    /// The picture kept at `path`; none when there is none.
    pub fn load(path: &Path) -> Result<Option<Picture>, PictureError> {
        let packed = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(PictureError::Io {
                    path: path.to_path_buf(),
                    doing: "read it",
                    source,
                });
            }
        };
        let broken = |why: String| PictureError::Broken {
            path: path.to_path_buf(),
            why,
        };
        let json = zstd::stream::decode_all(packed.as_slice()).map_err(|e| broken(e.to_string()))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| broken(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::{Owner, OwnerKind, Phase};
    use crate::freshness::Freshness;
    use crate::text::CleanText;

    fn key(ns: &str, name: &str) -> Key {
        (CleanText::line(ns), CleanText::line(name))
    }

    fn model() -> ClusterModel {
        let mut m = ClusterModel::new();
        m.apply(Update::Node(Change::Apply(
            key("", "node-1"),
            NodeRow {
                ready: true,
                unknown: false,
                memory_pressure: false,
                disk_pressure: false,
                pid_pressure: false,
                unschedulable: false,
                pod_capacity: 110,
                zone: None,
            },
        )));
        for (name, crash) in [("web-1", false), ("web-2", true)] {
            m.apply(Update::Pod(Change::Apply(
                key("shop", name),
                PodRow {
                    phase: Phase::Running,
                    ready: !crash,
                    restarts: if crash { 4 } else { 0 },
                    trouble: crate::cluster::rows::Trouble {
                        waiting: crash.then(|| CleanText::line("CrashLoopBackOff")),
                        last_termination: None,
                        last_message: crash.then(|| CleanText::block("panic: boom\n  at main")),
                        reason: None,
                    }
                    .boxed(),
                    node: Some(CleanText::line("node-1")),
                    owner: Some(Owner {
                        kind: OwnerKind::Deployment,
                        name: CleanText::line("web"),
                    }),
                    created: 10,
                    terminating: false,
                },
            )));
        }
        m
    }

    #[test]
    fn a_kept_picture_comes_back_whole_marked_recorded_until_every_watch_has_answered() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("flight/prod/picture.json.zst");
        assert!(Picture::load(&path).expect("no picture is no error").is_none());
        let before = model();
        Picture::of(&before, 1_000).save(&path).expect("saved");
        let picture = Picture::load(&path).expect("read").expect("a picture");
        assert_eq!(picture.at, 1_000);
        let mut after = ClusterModel::new();
        picture.into_model(&mut after);
        assert_eq!(after.pods, before.pods);
        assert_eq!(after.nodes, before.nodes);
        assert_eq!(after.totals, before.totals);
        assert_eq!(after.totals.pods_crashlooping, 1);
        assert_eq!(after.recorded, Some(1_000));
        // Strings are shared again, as the watches share them.
        let nodes: Vec<_> = after.pods.values().filter_map(|p| p.node.clone()).collect();
        assert!(std::ptr::eq(nodes[0].as_str(), nodes[1].as_str()));
        // The watches answer one by one; the last one confirms the live picture.
        for (i, s) in crate::cluster::model::Resource::ALL.iter().enumerate() {
            assert_eq!(after.recorded, Some(1_000), "{i} answered");
            after.apply(Update::Freshness(*s, Freshness::Live { since: 2_000 }));
        }
        assert_eq!(after.recorded, None);
    }

    #[test]
    fn a_broken_picture_is_an_error_naming_its_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("picture.json.zst");
        std::fs::write(&path, b"not zstd at all").expect("write");
        let e = Picture::load(&path).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: not a picture warroom kept", path.display())),
            "{e}"
        );
        let json = zstd::bulk::compress(br#"{"at": "yesterday"}"#, 1).expect("zstd");
        std::fs::write(&path, json).expect("write");
        let e = Picture::load(&path).unwrap_err().to_string();
        assert!(e.contains("not a picture warroom kept") && e.contains("at"), "{e}");
    }
}
