//! A scripted loopback HTTP server for the client tests: it serves recorded or hand-assembled
//! answers in order, one per request, and records every request the client sent.
#![allow(dead_code, reason = "each test binary uses the part it needs")]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Seen {
    pub target: String,
    pub policy_key: Option<String>,
    pub protocol_version: Option<String>,
    pub body: Vec<u8>,
}

/// Serves `answers` in order, one per request, and records the requests.
pub async fn scripted(answers: Vec<(u16, Vec<u8>)>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    scripted_with_headers(
        answers
            .into_iter()
            .map(|(status, body)| (status, Vec::new(), body))
            .collect(),
    )
    .await
}

/// One scripted answer: HTTP status, extra headers, body.
pub type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// Like [`scripted`], each answer with extra response headers (`X-MS-Location`,
/// `Retry-After`, …).
pub async fn scripted_with_headers(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/Microsoft-Server-ActiveSync",
        listener.local_addr().unwrap()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut answers = answers.into_iter();
        while let Ok((mut s, _)) = listener.accept().await {
            loop {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 4096];
                let head_end = loop {
                    let n = match s.read(&mut tmp).await {
                        Ok(0) | Err(_) => break None,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&tmp[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break Some(p + 4);
                    }
                };
                let Some(head_end) = head_end else { break };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let header = |name: &str| {
                    head.lines()
                        .find(|l| {
                            l.to_ascii_lowercase()
                                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
                        })
                        .map(|l| l.split_once(':').unwrap().1.trim().to_string())
                };
                let len: usize = header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = s.read(&mut tmp).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                }
                let target = head
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                log.lock().unwrap().push(Seen {
                    target,
                    policy_key: header("x-ms-policykey"),
                    protocol_version: header("ms-asprotocolversion"),
                    body: buf[head_end..head_end + len].to_vec(),
                });
                let (status, headers, body) =
                    answers.next().unwrap_or((500, Vec::new(), Vec::new()));
                let extra: String = headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}\r\n"))
                    .collect();
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n{extra}Content-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.write_all(&body).await;
            }
        }
    });
    (url, seen)
}
