//! Following a cluster: one kube-rs watcher per resource (paging, resume and relist after 410
//! are the watcher's; retries back off to at most `RETRY_MAX`), each projecting objects into
//! rows and sending them to the model's owner over a channel, and a probe of the API server
//! every `PROBE_EVERY` that says when it stops answering (a frozen server sends watches
//! nothing, not even an error). A cluster-wide list that is forbidden falls back to the
//! namespaces the user may read. Watcher tasks never touch the model themselves.

use crate::text::CleanText;
use std::fmt::Debug;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{Event, Namespace, Node};
use kube::api::{Api, ListParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::connect::Cluster;
use super::intern::Interner;
use super::model::{Change, Key, Resource, Update};
use super::pod_view::PodView;
use super::rows::{self, OwnerKind};
use crate::freshness::Freshness;

/// The running watchers of one cluster; dropping it stops them.
pub struct Following {
    tasks: JoinSet<()>,
}

impl Following {
    pub fn stop(mut self) {
        self.tasks.abort_all();
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// How often the API server is asked whether it answers, and how long it has to answer: a
/// server that stops is called stale within `PROBE_EVERY + PROBE_TIMEOUT` (5 s).
const PROBE_EVERY: Duration = Duration::from_secs(2);
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Watch retries back off from half a second to this, so a server that returns is followed
/// again within seconds (kube's default waits up to 30 s; a console is one client).
const RETRY_MAX: Duration = Duration::from_secs(4);
/// A watcher that failed and has then been quiet this long (longer than `RETRY_MAX`, so a
/// failing retry would have said so) is following again, though the cluster sent no change.
const QUIET_AFTER_RETRY: Duration = Duration::from_secs(5);
/// The most object changes sent to the model in one message.
const BURST_MAX: usize = 512;

/// Retry delays: doubling from 500 ms to `RETRY_MAX`, from the start again after a success.
struct Retry(Duration);

impl Iterator for Retry {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        let delay = self.0;
        self.0 = (self.0 * 2).min(RETRY_MAX);
        Some(delay)
    }
}

impl kube::runtime::utils::Backoff for Retry {
    fn reset(&mut self) {
        self.0 = Duration::from_millis(500);
    }
}

/// Asks the API server for its version every `PROBE_EVERY`; tells the model when it stops
/// answering (since when it last did) and when it answers again.
async fn probe(client: kube::Client, tx: mpsc::Sender<Update>) {
    let mut last_answer = now();
    let mut silent = false;
    loop {
        let answered = match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(crate::http::causes(&e)),
            Err(_) => Err(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())),
        };
        let change = match answered {
            Ok(()) => {
                last_answer = now();
                std::mem::replace(&mut silent, false).then_some(Update::ApiServer(None))
            }
            Err(error) if !silent => {
                silent = true;
                tracing::warn!(%error, "the API server does not answer");
                let error = CleanText::line(&format!("the API server does not answer: {error}"));
                Some(Update::ApiServer(Some((last_answer, error))))
            }
            Err(_) => None,
        };
        if let Some(u) = change
            && tx.send(u).await.is_err()
        {
            return;
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

/// What a resource type needs to be watched here.
trait Watched: kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static {}

impl<K> Watched for K where
    K: kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
}

/// How one resource is projected and wrapped into an `Update`.
struct Projection<K, R> {
    source: Resource,
    project: fn(&K, &mut Interner) -> Option<R>,
    wrap: fn(Change<R>) -> Update,
    fields: Option<&'static str>,
}

impl<K, R> Clone for Projection<K, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, R> Copy for Projection<K, R> {}

impl<K, R> Projection<K, R> {
    fn new(source: Resource, project: fn(&K, &mut Interner) -> Option<R>, wrap: fn(Change<R>) -> Update) -> Self {
        Projection {
            source,
            project,
            wrap,
            fields: None,
        }
    }
}

/// Starts following every resource the health model needs.
pub fn follow(cluster: &Cluster, tx: mpsc::Sender<Update>) -> Following {
    let mut s = Spawner {
        tasks: JoinSet::new(),
        cluster,
        tx: &tx,
    };
    s.tasks.spawn(probe(cluster.client.clone(), tx.clone()));
    s.cluster_scoped(Projection::<Node, _>::new(
        Resource::Nodes,
        |n, i| Some(rows::node_row(n, i)),
        Update::Node,
    ));
    s.namespaced(Projection::<PodView, _>::new(
        Resource::Pods,
        |p, i| Some(rows::pod_row(p, i)),
        Update::Pod,
    ));
    s.namespaced(Projection::<Deployment, _>::new(
        Resource::Deployments,
        |d, i| Some(rows::deployment_row(d, i)),
        |c| Update::Workload(OwnerKind::Deployment, c),
    ));
    s.namespaced(Projection::<DaemonSet, _>::new(
        Resource::DaemonSets,
        |d, i| Some(rows::daemonset_row(d, i)),
        |c| Update::Workload(OwnerKind::DaemonSet, c),
    ));
    s.namespaced(Projection::<StatefulSet, _>::new(
        Resource::StatefulSets,
        |d, i| Some(rows::statefulset_row(d, i)),
        |c| Update::Workload(OwnerKind::StatefulSet, c),
    ));
    s.namespaced(Projection::<Event, _> {
        fields: Some("type=Warning"),
        ..Projection::new(Resource::Events, rows::warning_row, Update::Warning)
    });
    Following { tasks: s.tasks }
}

struct Spawner<'a> {
    tasks: JoinSet<()>,
    cluster: &'a Cluster,
    tx: &'a mpsc::Sender<Update>,
}

impl Spawner<'_> {
    /// A cluster-wide watcher; when listing is forbidden, `on_forbidden` takes over.
    fn start<K, R, F>(
        &mut self,
        p: Projection<K, R>,
        on_forbidden: fn(Cluster, Projection<K, R>, mpsc::Sender<Update>) -> F,
    ) where
        K: Watched,
        R: Send + 'static,
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let cluster = self.cluster.clone();
        let tx = self.tx.clone();
        self.tasks.spawn(async move {
            let api: Api<K> = Api::all(cluster.client.clone());
            if let Forbidden::Yes(error) = watch(api, None, p, &tx).await {
                let _ = tx
                    .send(Update::Freshness(
                        p.source,
                        Freshness::Forbidden {
                            error: CleanText::block(&error),
                        },
                    ))
                    .await;
                on_forbidden(cluster, p, tx).await;
            }
        });
    }

    /// Namespaced resources fall back to the namespaces the user may list.
    fn namespaced<K, R>(&mut self, p: Projection<K, R>)
    where
        K: Watched<Scope = kube::core::NamespaceResourceScope>,
        R: Send + 'static,
    {
        self.start(p, |cluster, p, tx| async move { fallback(&cluster, p, &tx).await });
    }

    /// Cluster-scoped resources (nodes) have nothing to fall back to: they stay Forbidden.
    fn cluster_scoped<K, R>(&mut self, p: Projection<K, R>)
    where
        K: Watched,
        R: Send + 'static,
    {
        self.start(p, |_, _, _| async {});
    }
}

enum Forbidden {
    No,
    Yes(String),
}

fn forbidden(e: &watcher::Error) -> Option<String> {
    let api = match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s)) => s,
        _ => return None,
    };
    (api.code == 403).then(|| api.message.clone())
}

/// The server does not stream lists (a watch with `sendInitialEvents`: Kubernetes' WatchList,
/// off before 1.32 and refused before 1.27), so lists go in pages. Streamed, the server sends
/// while the model reads; paged, each waits for the other (`cargo bench --bench cluster_model`).
fn refuses_streaming(e: &watcher::Error) -> bool {
    let code = match e {
        watcher::Error::WatchStartFailed(kube::Error::Api(s)) => s.code,
        watcher::Error::WatchError(s) => s.code,
        _ => return false,
    };
    matches!(code, 400 | 422)
}

/// Runs one watcher until the channel closes (or, when listing is forbidden, returns).
async fn watch<K, R>(api: Api<K>, scope: Option<CleanText>, p: Projection<K, R>, tx: &mpsc::Sender<Update>) -> Forbidden
where
    K: Watched,
{
    let mut config = watcher::Config::default().streaming_lists();
    if let Some(f) = p.fields {
        config = config.fields(f);
    }
    let mut stream = watcher(api.clone(), config.clone())
        .backoff(Retry(Duration::from_millis(500)))
        .boxed();
    let mut interner = Interner::default();
    let mut last_live = None;
    // Failed since it was last live: the next change it delivers, or a quiet spell, means it
    // follows again (a resumed watch sends no new list).
    let mut interrupted = false;
    let mut stale_since = None;
    // Object changes read together go to the model as one burst; `ready`, the next item when
    // it was already read.
    let mut burst = Burst::default();
    let mut ready = None;
    loop {
        let item = match ready.take() {
            Some(item) => item,
            None if !burst.send(tx).await => return Forbidden::No,
            None => tokio::select! {
                item = stream.next() => match item {
                    Some(item) => item,
                    None => return Forbidden::No,
                },
                () = tokio::time::sleep(QUIET_AFTER_RETRY), if interrupted => {
                    interrupted = false;
                    let live = Update::Freshness(p.source, Freshness::Live { since: now() });
                    if tx.send(live).await.is_err() {
                        return Forbidden::No;
                    }
                    continue;
                }
            },
        };
        if interrupted && matches!(item, Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_))) {
            interrupted = false;
            if tx
                .send(Update::Freshness(p.source, Freshness::Live { since: now() }))
                .await
                .is_err()
            {
                return Forbidden::No;
            }
        }
        let change = match &item {
            Ok(watcher::Event::Init) => Some(Change::Relist(scope.clone())),
            Ok(watcher::Event::InitApply(o) | watcher::Event::Apply(o)) => {
                let key = key_of(o, &mut interner);
                (p.project)(o, &mut interner).map(|r| Change::Apply(key, r))
            }
            Ok(watcher::Event::Delete(o)) => Some(Change::Delete(key_of(o, &mut interner))),
            _ => None,
        };
        if let Some(change) = change {
            burst.0.push((p.wrap)(change));
            if burst.0.len() < BURST_MAX
                && let Some(next) = stream.next().now_or_never()
            {
                match next {
                    Some(next) => ready = Some(next),
                    None => {
                        burst.send(tx).await;
                        return Forbidden::No;
                    }
                }
            }
            continue;
        }
        if !burst.send(tx).await {
            return Forbidden::No;
        }
        let update = match item {
            Ok(
                watcher::Event::Init
                | watcher::Event::InitApply(_)
                | watcher::Event::Apply(_)
                | watcher::Event::Delete(_),
            ) => None,
            Ok(watcher::Event::InitDone) => {
                if tx.send((p.wrap)(Change::Listed(scope.clone()))).await.is_err() {
                    return Forbidden::No;
                }
                let since = now();
                last_live = Some(since);
                interrupted = false;
                Some(Update::Freshness(p.source, Freshness::Live { since }))
            }
            Err(e)
                if last_live.is_none()
                    && config.initial_list_strategy == watcher::InitialListStrategy::StreamingList
                    && refuses_streaming(&e) =>
            {
                tracing::info!(source = p.source.name(), error = %e, "no streaming lists here; listing in pages");
                config.initial_list_strategy = watcher::InitialListStrategy::ListWatch;
                stream = watcher(api.clone(), config.clone())
                    .backoff(Retry(Duration::from_millis(500)))
                    .boxed();
                None
            }
            Err(e) => {
                if let Some(message) = forbidden(&e) {
                    return Forbidden::Yes(message);
                }
                // The data was current until the first failure after being live: stale since then.
                if last_live.is_some() && !interrupted {
                    stale_since = Some(now());
                }
                interrupted = last_live.is_some();
                let error = crate::http::causes(&e);
                tracing::warn!(source = p.source.name(), %error, "watch interrupted");
                let error = CleanText::block(&error);
                Some(Update::Freshness(
                    p.source,
                    Freshness::after_failure(error, stale_since),
                ))
            }
        };
        if let Some(u) = update
            && tx.send(u).await.is_err()
        {
            return Forbidden::No;
        }
    }
}

/// Object changes gathered to be sent as one `Update::Burst`.
#[derive(Default)]
struct Burst(Vec<Update>);

impl Burst {
    /// Sends what was gathered, if anything; false when the model's owner is gone.
    async fn send(&mut self, tx: &mpsc::Sender<Update>) -> bool {
        self.0.is_empty() || tx.send(Update::Burst(std::mem::take(&mut self.0))).await.is_ok()
    }
}

fn key_of<K: kube::Resource>(o: &K, i: &mut Interner) -> Key {
    let m = o.meta();
    (
        i.get(m.namespace.as_deref().unwrap_or("")),
        CleanText::line(m.name.as_deref().unwrap_or("")),
    )
}

/// Whether the user may list `plural` in `namespace` (SelfSubjectAccessReview).
async fn may_list(cluster: &Cluster, group: &str, plural: &str, namespace: &str) -> bool {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(group.into()),
                namespace: Some(namespace.into()),
                resource: Some(plural.into()),
                verb: Some("list".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<SelfSubjectAccessReview>::all(cluster.client.clone())
        .create(&PostParams::default(), &review)
        .await
        .ok()
        .and_then(|r| r.status)
        .is_some_and(|s| s.allowed)
}

/// Follows a namespaced resource one namespace at a time, in the namespaces the user may list.
async fn fallback<K, R>(cluster: &Cluster, p: Projection<K, R>, tx: &mpsc::Sender<Update>)
where
    K: Watched<Scope = kube::core::NamespaceResourceScope>,
    R: Send + 'static,
{
    let candidates: Vec<String> = match Api::<Namespace>::all(cluster.client.clone())
        .list(&ListParams::default())
        .await
    {
        Ok(list) => list.items.into_iter().filter_map(|n| n.metadata.name).collect(),
        Err(_) => vec![cluster.default_namespace.clone()],
    };
    let group = K::group(&()).to_string();
    let plural = K::plural(&()).to_string();
    let mut allowed = Vec::new();
    for ns in candidates {
        if may_list(cluster, &group, &plural, &ns).await {
            allowed.push(ns);
        }
    }
    if tx.send(Update::Fallback(p.source, allowed.clone())).await.is_err() {
        return;
    }
    let mut tasks = JoinSet::new();
    for ns in allowed {
        let api: Api<K> = Api::namespaced(cluster.client.clone(), &ns);
        let tx = tx.clone();
        let scope: CleanText = CleanText::line(ns.as_str());
        tasks.spawn(async move {
            if let Forbidden::Yes(error) = watch(api, Some(scope), p, &tx).await {
                let _ = tx
                    .send(Update::Freshness(
                        p.source,
                        Freshness::Forbidden {
                            error: CleanText::block(&error),
                        },
                    ))
                    .await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}
