//! A scripted ActiveSync server for the engine's tests: answers requests on a loopback port
//! in the order given and records each request body.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One scripted answer: HTTP status, extra header lines, body.
pub type Answer = (u16, &'static str, Vec<u8>);

/// Serves `answers` in order, one per request; records each request body.
pub async fn scripted(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
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
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = s.read(&mut tmp).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                }
                log.lock().unwrap().push(buf[head_end..].to_vec());
                let (status, extra, body) = answers.next().unwrap_or((500, "", Vec::new()));
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
