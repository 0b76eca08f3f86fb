//! Who the cluster says we are: the username and groups of a SelfSubjectReview
//! (authentication.k8s.io/v1, what `kubectl auth whoami` sends), asked once per connection
//! and recorded with every action. A server that does not offer the review (404), or will not
//! answer it (403), gives `unknown` rather than an error.

use std::sync::Arc;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use tokio::sync::OnceCell;

use crate::incident::model::ClusterIdentity;
use crate::text::CleanText;

/// The answer for one connection, asked for the first time it is needed; clones share it.
#[derive(Debug, Clone, Default)]
pub struct WhoAmI {
    known: Arc<OnceCell<ClusterIdentity>>,
}

impl WhoAmI {
    /// Who `client` runs as. A server's answer (a user, or `unknown` when it offers no
    /// review) is kept; a failure to reach it gives `unknown` this time and is asked again.
    pub async fn identity(&self, client: &kube::Client) -> ClusterIdentity {
        match self.known.get_or_try_init(|| ask(client)).await {
            Ok(identity) => identity.clone(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot learn who the cluster says we are");
                ClusterIdentity::unknown()
            }
        }
    }
}

/// Sends one SelfSubjectReview.
pub async fn ask(client: &kube::Client) -> Result<ClusterIdentity, kube::Error> {
    let reviews: Api<SelfSubjectReview> = Api::all(client.clone());
    match reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
    {
        Ok(review) => Ok(from_review(&review)),
        Err(kube::Error::Api(status)) if (403..=405).contains(&status.code) => {
            tracing::info!(
                code = status.code,
                "the server does not say who we are: recorded as unknown"
            );
            Ok(ClusterIdentity::unknown())
        }
        Err(e) => Err(e),
    }
}

/// Names from the server are attacker-controlled text: no terminal controls in the journal.
fn clean(s: &str) -> String {
    CleanText::line(s).as_str().to_string()
}

/// The user in a review's answer (`unknown` when it names none).
pub fn from_review(review: &SelfSubjectReview) -> ClusterIdentity {
    let user = review.status.as_ref().and_then(|s| s.user_info.as_ref());
    match user.and_then(|u| u.username.clone()).filter(|u| !u.is_empty()) {
        Some(username) => ClusterIdentity {
            username: clean(&username),
            groups: user
                .and_then(|u| u.groups.clone())
                .unwrap_or_default()
                .iter()
                .map(|g| clean(g))
                .collect(),
        },
        None => ClusterIdentity::unknown(),
    }
}
