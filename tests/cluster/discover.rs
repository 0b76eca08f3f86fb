//! Finding Prometheus and Alertmanager in a cluster that the config does not name: the drill
//! serves the Services kube-prometheus creates, and the console finds them, reaches them through
//! the API server's service proxy with the kubeconfig's client, and reads the same answers as
//! from the servers themselves (and the busiest services to follow); with a Service gone it
//! says plainly that there is none.

use warroom::cluster::connect::Cluster;
use warroom::observe::alertmanager::Alertmanager;
use warroom::observe::discover::discover;
use warroom::observe::follow::busiest;
use warroom::observe::http::Endpoint;
use warroom::observe::prometheus::Prometheus;
use warroom_testkit::drill::{Served, Setup};

#[test]
fn prometheus_and_alertmanager_are_found_and_read_through_the_api_server() {
    let drill = Served::start(
        None,
        // Paused, so that both reads see the same alerts.
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let rt = crate::support::runtime();
    rt.block_on(async {
        let cluster = Cluster::drill(&drill.url).expect("a client for the drill");
        let found = discover(&cluster.client, &cluster.url()).await;
        let prometheus = found.prometheus.clone().unwrap_or_else(|| panic!("{:?}", found.said));
        let alertmanager = found.alertmanager.clone().unwrap_or_else(|| panic!("{:?}", found.said));
        assert_eq!(prometheus.describe(), "monitoring/prometheus-k8s:web");
        assert_eq!(alertmanager.describe(), "monitoring/alertmanager-main:web");
        assert!(prometheus.http.is_through_api_server());
        // The probe's short timeout was for the probe: queries get the usual time.
        assert_eq!(prometheus.http.timeout(), warroom::observe::http::DEFAULT_TIMEOUT);
        assert_eq!(alertmanager.http.timeout(), warroom::observe::http::DEFAULT_TIMEOUT);
        assert_eq!(
            found.said,
            [
                "Prometheus found: monitoring/prometheus-k8s:web (through the API server)",
                "Alertmanager found: monitoring/alertmanager-main:web (through the API server)"
            ]
        );
        // The same answers through the proxy as from the servers themselves, at a fixed time.
        let proxied = Prometheus::new(prometheus.http);
        let direct = Prometheus::from_endpoint(&Endpoint::plain(&drill.prometheus)).expect("client");
        let at = Some(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60));
        let query = "sum by (service) (rate(http_requests_total[5m]))";
        let through = proxied.query(query, at).await.expect("a query through the proxy");
        let straight = direct.query(query, at).await.expect("a query straight to the drill");
        assert_eq!(format!("{through:?}"), format!("{straight:?}"));
        assert!(format!("{through:?}").contains("checkout"), "{through:?}");
        // With no services named, the busiest the drill's Prometheus sees are followed.
        let busiest = busiest(&proxied, Some(0.999)).await.expect("the busiest services");
        let names: Vec<String> = busiest
            .iter()
            .map(|f| format!("{}/{}", f.target.namespace, f.target.service))
            .collect();
        assert!(names.contains(&"shop/checkout".to_string()), "{names:?}");
        assert!(busiest.iter().all(|f| f.objective == Some(0.999)));
        // Prometheus's own error comes back through the proxy as it was sent.
        let bad = proxied.query("sum(", None).await.expect_err("a parse error");
        assert!(bad.to_string().starts_with("bad_data:"), "{bad}");
        let proxied = Alertmanager::new(alertmanager.http);
        let direct = Alertmanager::from_endpoint(&Endpoint::plain(&drill.alertmanager)).expect("client");
        let through = proxied.alerts().await.expect("alerts through the proxy");
        let straight = direct.alerts().await.expect("alerts straight from the drill");
        assert_eq!(format!("{through:?}"), format!("{straight:?}"));
    });
    // The proxy is the API server's: kubectl reaches it the same way.
    let ready = drill.ok(&[
        "get",
        "--raw",
        "/api/v1/namespaces/monitoring/services/alertmanager-main:9093/proxy/-/ready",
    ]);
    assert_eq!(ready.trim(), "OK");
    // Without the Prometheus Service, discovery says there is none and still finds Alertmanager.
    drill.ok(&["delete", "service", "prometheus-k8s", "-n", "monitoring"]);
    rt.block_on(async {
        let cluster = Cluster::drill(&drill.url).expect("a client for the drill");
        let found = discover(&cluster.client, &cluster.url()).await;
        assert!(found.prometheus.is_none());
        assert_eq!(found.said[0], "no Prometheus Service found in the cluster");
        assert!(found.alertmanager.is_some(), "{:?}", found.said);
    });
}
