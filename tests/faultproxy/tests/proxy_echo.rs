//! The proxy itself, against a trivial TCP echo server on loopback: each fault does what it
//! says, byte-exactly, and the log records it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kontor_faultproxy::{Direction, Fault, FaultProxy, Plan};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An echo server counting connections and the bytes it received.
struct Echo {
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

async fn echo() -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let (c, r) = (connections.clone(), received.clone());
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            r.fetch_add(n as u64, Ordering::SeqCst);
                            if s.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    Echo {
        addr,
        connections,
        received,
    }
}

fn raw(plan: Plan) -> Plan {
    Plan {
        one_request_per_connection: false,
        ..plan
    }
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// Writes `data`, half-closes, and reads until EOF (or an error).
async fn round_trip(addr: SocketAddr, data: &[u8]) -> (Vec<u8>, Option<std::io::Error>) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let (mut r, mut w) = s.split();
    let write = async {
        let _ = w.write_all(data).await;
        let _ = w.shutdown().await;
    };
    let read = async {
        let mut got = Vec::new();
        let e = r.read_to_end(&mut got).await.err();
        (got, e)
    };
    let ((), out) = tokio::join!(write, read);
    out
}

/// Waits until the proxy logged `n` connections (they are logged when they end).
async fn logged(proxy: &FaultProxy, n: usize) {
    for _ in 0..500 {
        if proxy.log().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("proxy logged {} of {n} connections", proxy.log().len());
}

#[tokio::test]
async fn pass_forwards_every_byte_both_ways() {
    let e = echo().await;
    let proxy = FaultProxy::start(e.addr, raw(Plan::clean())).await.unwrap();
    let data = payload(100_000);
    let (got, err) = round_trip(proxy.addr(), &data).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(got, data);
    logged(&proxy, 1).await;
    let log = proxy.log();
    assert_eq!(log[0].fault, Fault::Pass);
    assert_eq!(log[0].up_bytes, 100_000);
    assert_eq!(log[0].down_bytes, 100_000);
    assert!(log[0].applied);
}

#[tokio::test]
async fn a_downstream_cut_delivers_exactly_the_offset() {
    let e = echo().await;
    let plan = raw(Plan::scripted([Fault::Cut {
        dir: Direction::Down,
        after: 3_333,
    }]));
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let data = payload(50_000);
    let (got, _) = round_trip(proxy.addr(), &data).await;
    assert_eq!(got.len(), 3_333);
    assert_eq!(got, data[..3_333]);
    logged(&proxy, 1).await;
    let r = &proxy.log()[0];
    assert_eq!(r.down_bytes, 3_333);
    assert!(r.applied, "{r}");
    // The next connection is not faulted any more.
    let (got, err) = round_trip(proxy.addr(), &data).await;
    assert!(err.is_none());
    assert_eq!(got, data);
}

#[tokio::test]
async fn an_upstream_cut_lets_only_the_offset_reach_the_server() {
    let e = echo().await;
    let plan = raw(Plan::scripted([Fault::Cut {
        dir: Direction::Up,
        after: 700,
    }]));
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let (got, _) = round_trip(proxy.addr(), &payload(10_000)).await;
    assert!(got.len() <= 700, "{}", got.len());
    logged(&proxy, 1).await;
    // The echo server saw at most the first 700 bytes.
    for _ in 0..100 {
        if e.received.load(Ordering::SeqCst) == 700 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(e.received.load(Ordering::SeqCst), 700);
    assert_eq!(proxy.log()[0].up_bytes, 700);
}

#[tokio::test]
async fn a_cut_beyond_the_stream_is_logged_as_not_reached() {
    let e = echo().await;
    let plan = raw(Plan::scripted([Fault::Cut {
        dir: Direction::Down,
        after: 1_000_000,
    }]));
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let data = payload(1_000);
    let (got, err) = round_trip(proxy.addr(), &data).await;
    assert!(err.is_none());
    assert_eq!(got, data);
    logged(&proxy, 1).await;
    let r = &proxy.log()[0];
    assert!(!r.applied, "{r}");
    assert_eq!(proxy.counts().applied("cut-down"), 0);
    assert_eq!(proxy.counts().by_kind["cut-down"], (1, 0));
}

#[tokio::test]
async fn a_short_stall_delays_but_delivers_everything() {
    let e = echo().await;
    let plan = raw(Plan::scripted([Fault::Stall {
        dir: Direction::Down,
        after: 10,
        duration: Duration::from_millis(200),
    }]));
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let data = payload(5_000);
    let (got, err) = round_trip(proxy.addr(), &data).await;
    assert!(err.is_none());
    assert_eq!(got, data);
    logged(&proxy, 1).await;
    assert!(proxy.log()[0].applied);
}

#[tokio::test]
async fn a_long_stall_outlasts_a_client_timeout() {
    let e = echo().await;
    let plan = raw(Plan::scripted([Fault::Stall {
        dir: Direction::Down,
        after: 5,
        duration: Duration::from_secs(30),
    }]));
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
    s.write_all(b"0123456789").await.unwrap();
    let mut got = [0u8; 5];
    s.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"01234");
    // Nothing more arrives while the proxy stalls: the client's own timeout fires.
    let mut more = [0u8; 5];
    let r = tokio::time::timeout(Duration::from_millis(300), s.read(&mut more)).await;
    assert!(r.is_err(), "data arrived during the stall: {r:?}");
}

#[tokio::test]
async fn http_errors_are_answered_without_contacting_the_server() {
    let e = echo().await;
    let plan = Plan::scripted([
        Fault::Respond {
            status: 503,
            retry_after: Some(7),
        },
        Fault::Respond {
            status: 500,
            retry_after: None,
        },
    ]);
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let req = b"POST /x?Cmd=Sync HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
    let (got, _) = round_trip(proxy.addr(), req).await;
    let text = String::from_utf8(got).unwrap();
    assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
    assert!(text.contains("\r\nRetry-After: 7\r\n"), "{text}");
    let (got, _) = round_trip(proxy.addr(), req).await;
    let text = String::from_utf8(got).unwrap();
    assert!(text.starts_with("HTTP/1.1 500 "), "{text}");
    assert!(!text.contains("Retry-After"), "{text}");
    assert_eq!(e.connections.load(Ordering::SeqCst), 0);
    logged(&proxy, 2).await;
    let log = proxy.log();
    assert_eq!(log[0].command(), "Sync");
    assert_eq!(log[0].request.as_deref(), Some("POST /x?Cmd=Sync HTTP/1.1"));
    assert_eq!(proxy.counts().applied("http-503"), 1);
    assert_eq!(proxy.counts().applied("http-500"), 1);
}

#[tokio::test]
async fn http_heads_are_rewritten_to_close_the_connection() {
    let e = echo().await;
    let proxy = FaultProxy::start(e.addr, Plan::clean()).await.unwrap();
    // The echo server returns the request as the "response": its head shows the rewrite of
    // the upstream direction, and the downstream rewrite leaves a single Connection header.
    let req = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n";
    let (got, _) = round_trip(proxy.addr(), req).await;
    let text = String::from_utf8(got).unwrap();
    assert_eq!(
        text,
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    );
}

#[tokio::test]
async fn seeded_plans_replay_the_same_faults_per_connection() {
    let e = echo().await;
    let mut logs = Vec::new();
    for _ in 0..2 {
        let plan = Plan {
            short_stall: (Duration::from_millis(1), Duration::from_millis(5)),
            long_stall: Duration::from_millis(20),
            ..raw(Plan::seeded(0xC0FFEE))
        };
        let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
        for _ in 0..30 {
            let _ = round_trip(proxy.addr(), &payload(2_000)).await;
        }
        logged(&proxy, 30).await;
        logs.push(
            proxy
                .log()
                .into_iter()
                .map(|r| (r.id, r.fault, r.applied))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(logs[0], logs[1]);
    assert!(logs[0].iter().any(|(_, f, _)| *f != Fault::Pass));
}

#[tokio::test]
async fn faults_can_be_switched_off_and_on() {
    let e = echo().await;
    let plan = raw(Plan::seeded(1)).with_mix(kontor_faultproxy::Mix {
        pass: 0,
        cut_up: 0,
        cut_down: 1,
        short_stall: 0,
        long_stall: 0,
        http_500: 0,
        http_503: 0,
    });
    let plan = Plan {
        down_offset_max: 10,
        ..plan
    };
    let proxy = FaultProxy::start(e.addr, plan).await.unwrap();
    let data = payload(100);
    let (got, _) = round_trip(proxy.addr(), &data).await;
    assert!(got.len() <= 10);
    proxy.set_faults(false);
    let (got, _) = round_trip(proxy.addr(), &data).await;
    assert_eq!(got, data);
    proxy.set_faults(true);
    let (got, _) = round_trip(proxy.addr(), &data).await;
    assert!(got.len() <= 10);
    assert_eq!(
        proxy.url("http://127.0.0.1:20000/SOGo/x?y"),
        format!("http://{}/SOGo/x?y", proxy.addr())
    );
}
