//! # kontor-faultproxy — a loopback TCP proxy that breaks connections on purpose
//!
//! The fault-injection and crash-safety tests (`tests/`) put this proxy between Kontor and the
//! real test server (SOGo on 127.0.0.1:20000). It listens on `127.0.0.1:0`, forwards every
//! accepted connection to a target, and per connection does one thing that a [`Plan`] decides
//! from a seeded random generator:
//!
//! | [`Fault`] | what the client sees |
//! |---|---|
//! | `Pass` | the server, untouched |
//! | `Cut { dir: Up, after }` | the request reaches the server only up to byte `after`, then both sides are closed |
//! | `Cut { dir: Down, after }` | the answer stops after byte `after` (the server may already have acted on the request) |
//! | `Stall { dir, after, duration }` | the stream stops for `duration` at byte `after` and then goes on; longer than the client's timeout it becomes a timeout, and a stalled request may still reach the server after the client gave up |
//! | `Respond { status, retry_after }` | an HTTP answer (500, 503 with `Retry-After`) written by the proxy itself; the server is never contacted |
//!
//! The decision for connection *n* depends only on the plan's seed and *n*
//! ([`Plan::fault_for`]), so a failing seed replays the same faults as long as the client opens
//! its connections in the same order. Every connection is recorded ([`ConnRecord`]: the fault,
//! the request line, bytes each way, whether the fault's offset was reached) and
//! [`FaultProxy::report`] prints that log for a failure message.
//!
//! With [`Plan::one_request_per_connection`] (the default) the proxy writes
//! `Connection: close` into the first request and the first response head, so HTTP clients do
//! not reuse a connection and every request gets a decision of its own. Byte offsets count the
//! bytes as forwarded, after that rewrite.
//!
//! This crate is test infrastructure: it opens no port but loopback ones and is never part of
//! the application.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Which way the bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Client → server (the request).
    Up,
    /// Server → client (the answer).
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// What the proxy does with one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways untouched.
    Pass,
    /// Forward `after` bytes in direction `dir`, then close both sides.
    Cut { dir: Direction, after: usize },
    /// Forward `after` bytes in direction `dir`, wait `duration`, then go on.
    Stall {
        dir: Direction,
        after: usize,
        duration: Duration,
    },
    /// Read the request and answer with `status` (and `Retry-After: retry_after` seconds)
    /// without contacting the server.
    Respond {
        status: u16,
        retry_after: Option<u32>,
    },
}

impl Fault {
    /// A short name for counting: `pass`, `cut-up`, `cut-down`, `stall-up`, `stall-down`,
    /// `http-500`, `http-503`…
    pub fn kind(&self) -> String {
        match self {
            Fault::Pass => "pass".into(),
            Fault::Cut { dir, .. } => format!("cut-{dir}"),
            Fault::Stall { dir, .. } => format!("stall-{dir}"),
            Fault::Respond { status, .. } => format!("http-{status}"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Pass => f.write_str("pass"),
            Fault::Cut { dir, after } => write!(f, "cut {dir} after {after} B"),
            Fault::Stall {
                dir,
                after,
                duration,
            } => write!(
                f,
                "stall {dir} after {after} B for {} ms",
                duration.as_millis()
            ),
            Fault::Respond {
                status,
                retry_after: Some(s),
            } => write!(f, "answer {status} (Retry-After {s})"),
            Fault::Respond {
                status,
                retry_after: None,
            } => write!(f, "answer {status}"),
        }
    }
}

/// Offsets below this many bytes are drawn half the time (see [`Plan::fault_for`]).
const SMALL_OFFSET: usize = 400;

/// Relative weights of the faults a [`Plan`] draws. A weight of 0 turns a fault off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub pass: u32,
    pub cut_up: u32,
    pub cut_down: u32,
    /// Stalls shorter than the client's timeout.
    pub short_stall: u32,
    /// Stalls of [`Plan::long_stall`], meant to be longer than the client's timeout.
    pub long_stall: u32,
    pub http_500: u32,
    pub http_503: u32,
}

impl Mix {
    /// Nothing but pass-through.
    pub const CLEAN: Mix = Mix {
        pass: 1,
        cut_up: 0,
        cut_down: 0,
        short_stall: 0,
        long_stall: 0,
        http_500: 0,
        http_503: 0,
    };

    fn total(&self) -> u32 {
        self.pass
            + self.cut_up
            + self.cut_down
            + self.short_stall
            + self.long_stall
            + self.http_500
            + self.http_503
    }
}

impl Default for Mix {
    /// About half the connections fail in one way or another.
    fn default() -> Self {
        Mix {
            pass: 10,
            cut_up: 2,
            cut_down: 4,
            short_stall: 2,
            long_stall: 1,
            http_500: 1,
            http_503: 2,
        }
    }
}

/// How the proxy decides what to do with each connection.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed: connection *n* of a plan with seed *s* always gets the same fault.
    pub seed: u64,
    pub mix: Mix,
    /// Upstream cut and stall offsets are drawn from `0..=up_offset_max` bytes.
    pub up_offset_max: usize,
    /// Downstream cut and stall offsets are drawn from `0..=down_offset_max` bytes.
    pub down_offset_max: usize,
    /// Short stalls last between these two durations.
    pub short_stall: (Duration, Duration),
    /// How long a long stall lasts (make it longer than the client's timeout).
    pub long_stall: Duration,
    /// The `Retry-After` seconds of a 503.
    pub retry_after: u32,
    /// Write `Connection: close` into the first request and response head (see the crate docs).
    pub one_request_per_connection: bool,
    /// Faults used, in order, for the first connections before the seeded draw takes over.
    pub script: VecDeque<Fault>,
}

impl Plan {
    /// A seeded plan with the default mix.
    pub fn seeded(seed: u64) -> Plan {
        Plan {
            seed,
            mix: Mix::default(),
            up_offset_max: 1024,
            down_offset_max: 8192,
            short_stall: (Duration::from_millis(20), Duration::from_millis(300)),
            long_stall: Duration::from_secs(4),
            retry_after: 1,
            one_request_per_connection: true,
            script: VecDeque::new(),
        }
    }

    /// A plan that passes everything through.
    pub fn clean() -> Plan {
        Plan {
            mix: Mix::CLEAN,
            ..Plan::seeded(0)
        }
    }

    /// A plan that applies `faults` to the first connections, in order, and passes the rest.
    pub fn scripted(faults: impl IntoIterator<Item = Fault>) -> Plan {
        Plan {
            script: faults.into_iter().collect(),
            ..Plan::clean()
        }
    }

    /// Sets the mix (builder style).
    pub fn with_mix(mut self, mix: Mix) -> Plan {
        self.mix = mix;
        self
    }

    /// The seeded fault of connection `n` (0-based), ignoring the script.
    pub fn fault_for(&self, n: u64) -> Fault {
        // One generator per connection, so a decision does not depend on how many random
        // numbers earlier connections used.
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(17)
                ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9),
        );
        let total = self.mix.total();
        if total == 0 {
            return Fault::Pass;
        }
        let m = self.mix;
        let weights = [
            m.pass,
            m.cut_up,
            m.cut_down,
            m.short_stall,
            m.long_stall,
            m.http_500,
            m.http_503,
        ];
        let mut pick = rng.random_range(0..total);
        let mut arm = 0;
        while pick >= weights[arm] {
            pick -= weights[arm];
            arm += 1;
        }
        // Half the offsets fall into the first few hundred bytes (status line, headers, small
        // answers such as Provision), half anywhere up to the maximum.
        let offset = |rng: &mut ChaCha8Rng, max: usize| {
            if rng.random_bool(0.5) {
                rng.random_range(0..=max.min(SMALL_OFFSET))
            } else {
                rng.random_range(0..=max)
            }
        };
        let up = |rng: &mut ChaCha8Rng| offset(rng, self.up_offset_max);
        let down = |rng: &mut ChaCha8Rng| offset(rng, self.down_offset_max);
        match arm {
            0 => Fault::Pass,
            1 => Fault::Cut {
                dir: Direction::Up,
                after: up(&mut rng),
            },
            2 => Fault::Cut {
                dir: Direction::Down,
                after: down(&mut rng),
            },
            3 | 4 => {
                let (dir, after) = if rng.random_bool(0.5) {
                    (Direction::Up, up(&mut rng))
                } else {
                    (Direction::Down, down(&mut rng))
                };
                let duration = if arm == 4 {
                    self.long_stall
                } else {
                    let (lo, hi) = self.short_stall;
                    let lo = u64::try_from(lo.as_millis()).unwrap_or(u64::MAX);
                    let hi = u64::try_from(hi.as_millis()).unwrap_or(u64::MAX).max(lo);
                    Duration::from_millis(rng.random_range(lo..=hi))
                };
                Fault::Stall {
                    dir,
                    after,
                    duration,
                }
            }
            5 => Fault::Respond {
                status: 500,
                retry_after: None,
            },
            _ => Fault::Respond {
                status: 503,
                retry_after: Some(self.retry_after),
            },
        }
    }
}

/// What happened on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnRecord {
    /// 0-based number of the connection in accept order.
    pub id: u64,
    pub fault: Fault,
    /// The first line of the request (`POST /SOGo/…?Cmd=Sync&… HTTP/1.1`), when one was seen.
    pub request: Option<String>,
    /// Bytes forwarded client → server.
    pub up_bytes: u64,
    /// Bytes forwarded (or answered) server → client.
    pub down_bytes: u64,
    /// Whether the fault took effect: its offset was reached (always true for `Pass` and
    /// `Respond`). A cut planned after byte 9000 of a 600-byte answer did not happen.
    pub applied: bool,
    /// An I/O error that ended the connection, if any (the client giving up shows here).
    pub error: Option<String>,
}

impl ConnRecord {
    /// The ActiveSync command of the request (`Cmd=` in the query), or the HTTP method.
    pub fn command(&self) -> String {
        let Some(line) = &self.request else {
            return "-".into();
        };
        if let Some(pos) = line.find("Cmd=") {
            let rest = &line[pos + 4..];
            let end = rest.find(['&', ' ']).unwrap_or(rest.len());
            return rest[..end].to_owned();
        }
        line.split(' ').next().unwrap_or("-").to_owned()
    }
}

impl fmt::Display for ConnRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{:<4} {:<9} {:<40} up {:>6} B, down {:>7} B{}{}",
            self.id,
            self.command(),
            self.fault.to_string(),
            self.up_bytes,
            self.down_bytes,
            if self.applied { "" } else { ", not reached" },
            match &self.error {
                Some(e) => format!(", error: {e}"),
                None => String::new(),
            }
        )
    }
}

/// Counts of faults over a proxy's life: planned (drawn) and applied (offset reached).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// kind → (planned, applied)
    pub by_kind: BTreeMap<String, (u64, u64)>,
    pub connections: u64,
}

impl FaultCounts {
    /// How many connections got a fault of `kind` that took effect.
    pub fn applied(&self, kind: &str) -> u64 {
        self.by_kind.get(kind).map_or(0, |c| c.1)
    }

    /// How many faults other than `pass` took effect.
    pub fn applied_faults(&self) -> u64 {
        self.by_kind
            .iter()
            .filter(|(k, _)| k.as_str() != "pass")
            .map(|(_, c)| c.1)
            .sum()
    }

    /// Adds another proxy's counts.
    pub fn merge(&mut self, other: &FaultCounts) {
        self.connections += other.connections;
        for (k, (p, a)) in &other.by_kind {
            let e = self.by_kind.entry(k.clone()).or_default();
            e.0 += p;
            e.1 += a;
        }
    }
}

impl fmt::Display for FaultCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} connections:", self.connections)?;
        for (k, (p, a)) in &self.by_kind {
            write!(f, " {k} {a}/{p}")?;
        }
        Ok(())
    }
}

struct Shared {
    target: SocketAddr,
    plan: Mutex<Plan>,
    enabled: AtomicBool,
    next: AtomicU64,
    log: Mutex<Vec<ConnRecord>>,
}

impl Shared {
    fn decide(&self) -> (u64, Fault, bool) {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let mut plan = self.plan.lock().expect("plan lock");
        let fault = if !self.enabled.load(Ordering::SeqCst) {
            Fault::Pass
        } else if let Some(f) = plan.script.pop_front() {
            f
        } else {
            plan.fault_for(id)
        };
        (id, fault, plan.one_request_per_connection)
    }
}

/// A running proxy. Dropping it stops the listener and every open connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("target", &self.shared.target)
            .finish_non_exhaustive()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and forwards to `target` according to `plan`.
    pub async fn start(target: SocketAddr, plan: Plan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            target,
            plan: Mutex::new(plan),
            enabled: AtomicBool::new(true),
            next: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        tracing::debug!(%addr, %target, "fault proxy listening");
        Ok(FaultProxy { addr, shared, task })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Rewrites `url`'s host and port to this proxy (`http://127.0.0.1:20000/SOGo/…` →
    /// `http://127.0.0.1:<proxy port>/SOGo/…`).
    pub fn url(&self, url: &str) -> String {
        let Some(scheme_end) = url.find("://") else {
            return url.to_owned();
        };
        let rest = &url[scheme_end + 3..];
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        format!("{}://{}{}", &url[..scheme_end], self.addr, path)
    }

    /// With `false`, new connections pass through untouched (the seeded sequence still
    /// advances, so turning faults back on keeps the same numbering).
    pub fn set_faults(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::SeqCst);
    }

    /// Replaces the plan; connection numbering goes on.
    pub fn set_plan(&self, plan: Plan) {
        *self.shared.plan.lock().expect("plan lock") = plan;
    }

    /// Every finished connection, in the order they ended.
    pub fn log(&self) -> Vec<ConnRecord> {
        let mut log = self.shared.log.lock().expect("log lock").clone();
        log.sort_by_key(|r| r.id);
        log
    }

    /// Planned and applied faults so far (finished connections only).
    pub fn counts(&self) -> FaultCounts {
        let mut c = FaultCounts::default();
        for r in self.shared.log.lock().expect("log lock").iter() {
            c.connections += 1;
            let e = c.by_kind.entry(r.fault.kind()).or_default();
            e.0 += 1;
            if r.applied {
                e.1 += 1;
            }
        }
        c
    }

    /// The log as text, one connection a line, for failure messages.
    pub fn report(&self) -> String {
        let mut s = String::new();
        for r in self.log() {
            s.push_str(&r.to_string());
            s.push('\n');
        }
        s
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Connection tasks live in the set: aborting this task drops them all.
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    let (id, fault, close) = shared.decide();
                    let shared = shared.clone();
                    conns.spawn(async move {
                        let record = handle(client, shared.target, id, fault, close).await;
                        tracing::debug!(%record, "fault proxy connection done");
                        shared.log.lock().expect("log lock").push(record);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fault proxy accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Largest request or response head the proxy looks into.
const MAX_HEAD: usize = 64 * 1024;

async fn handle(
    client: TcpStream,
    target: SocketAddr,
    id: u64,
    fault: Fault,
    close: bool,
) -> ConnRecord {
    let mut record = ConnRecord {
        id,
        fault: fault.clone(),
        request: None,
        up_bytes: 0,
        down_bytes: 0,
        applied: true,
        error: None,
    };
    let _ = client.set_nodelay(true);
    if let Fault::Respond {
        status,
        retry_after,
    } = fault
    {
        if let Err(e) = respond(client, status, retry_after, &mut record).await {
            record.error = Some(e.to_string());
        }
        return record;
    }
    let server = match TcpStream::connect(target).await {
        Ok(s) => s,
        Err(e) => {
            record.error = Some(format!("connecting to {target}: {e}"));
            return record;
        }
    };
    let _ = server.set_nodelay(true);
    let (action_up, action_down) = match fault {
        Fault::Cut { dir, after } => {
            let a = Some((after, Action::Cut));
            if dir == Direction::Up {
                (a, None)
            } else {
                (None, a)
            }
        }
        Fault::Stall {
            dir,
            after,
            duration,
        } => {
            let a = Some((after, Action::Stall(duration)));
            if dir == Direction::Up {
                (a, None)
            } else {
                (None, a)
            }
        }
        _ => (None, None),
    };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let progress = Arc::new(Progress::default());
    let up = pump(cr, sw, close, action_up, Some(progress.clone()));
    let down = pump(sr, cw, close, action_down, None);
    tokio::pin!(up, down);
    let (mut up_end, mut down_end) = (None, None);
    while up_end.is_none() || down_end.is_none() {
        tokio::select! {
            r = &mut up, if up_end.is_none() => {
                let cut = r.cut;
                up_end = Some(r);
                if cut { break; }
            }
            r = &mut down, if down_end.is_none() => {
                let cut = r.cut;
                down_end = Some(r);
                if cut { break; }
            }
        }
    }
    // A cut drops the other direction mid-flight: both sockets close here. The upstream
    // pump's progress is shared, so its byte count and request line are known either way.
    record.up_bytes = progress.bytes.load(Ordering::SeqCst);
    record.request = progress.first_line.lock().expect("line lock").clone();
    if let Some(end) = &down_end {
        record.down_bytes = end.bytes;
    }
    for end in [&up_end, &down_end].into_iter().flatten() {
        if let Some(e) = &end.error
            && record.error.is_none()
        {
            record.error = Some(e.clone());
        }
    }
    if let Some((after, _)) = action_up {
        record.applied = up_end.as_ref().is_some_and(|e| e.reached)
            || record.up_bytes as usize >= after && after > 0;
    }
    if action_down.is_some() {
        record.applied = down_end.as_ref().is_some_and(|e| e.reached);
    }
    record
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Cut,
    Stall(Duration),
}

struct PumpEnd {
    bytes: u64,
    cut: bool,
    reached: bool,
    error: Option<String>,
}

/// What the upstream pump has done so far, readable after it was dropped mid-flight.
#[derive(Default)]
struct Progress {
    bytes: AtomicU64,
    first_line: Mutex<Option<String>>,
}

/// Copies `r` to `w`, optionally rewriting the first HTTP head to `Connection: close`, and
/// applies `action` when the forwarded byte count reaches its offset.
async fn pump(
    mut r: OwnedReadHalf,
    mut w: OwnedWriteHalf,
    rewrite: bool,
    mut action: Option<(usize, Action)>,
    progress: Option<Arc<Progress>>,
) -> PumpEnd {
    let mut end = PumpEnd {
        bytes: 0,
        cut: false,
        reached: false,
        error: None,
    };
    let mut have_line = false;
    let mut head: Option<Vec<u8>> = rewrite.then(Vec::new);
    let mut line_buf: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) => {
                // EOF: flush a head that never completed, then pass the EOF on.
                if let Some(h) = head.take()
                    && !h.is_empty()
                    && let Err(e) = forward(&mut w, &h, &mut action, &mut end).await
                {
                    end.error = Some(e.to_string());
                    return end;
                }
                if end.cut {
                    return end;
                }
                let _ = w.shutdown().await;
                return end;
            }
            Ok(n) => n,
            Err(e) => {
                end.error = Some(e.to_string());
                let _ = w.shutdown().await;
                return end;
            }
        };
        let chunk = &buf[..n];
        if let Some(p) = progress.as_ref()
            && !have_line
        {
            line_buf.extend_from_slice(chunk);
            let line = match find(&line_buf, b"\r\n") {
                Some(pos) => Some(&line_buf[..pos]),
                None if line_buf.len() > MAX_HEAD => Some(&line_buf[..200]),
                None => None,
            };
            if let Some(line) = line {
                *p.first_line.lock().expect("line lock") =
                    Some(String::from_utf8_lossy(line).into_owned());
                have_line = true;
            }
        }
        let out: Vec<u8> = match head.as_mut() {
            Some(h) => {
                h.extend_from_slice(chunk);
                if let Some(pos) = find(h, b"\r\n\r\n") {
                    let mut rewritten = close_head(&h[..pos + 4]);
                    rewritten.extend_from_slice(&h[pos + 4..]);
                    head = None;
                    rewritten
                } else if h.len() > MAX_HEAD {
                    head.take().unwrap_or_default()
                } else {
                    continue;
                }
            }
            None => chunk.to_vec(),
        };
        let r = forward(&mut w, &out, &mut action, &mut end).await;
        if let Some(p) = progress.as_ref() {
            p.bytes.store(end.bytes, Ordering::SeqCst);
        }
        if let Err(e) = r {
            end.error = Some(e.to_string());
            return end;
        }
        if end.cut {
            return end;
        }
    }
}

/// Writes `out`, applying `action` at its offset. Sets `end.cut` when the connection must end.
async fn forward(
    w: &mut OwnedWriteHalf,
    out: &[u8],
    action: &mut Option<(usize, Action)>,
    end: &mut PumpEnd,
) -> std::io::Result<()> {
    let mut out = out;
    if let Some((after, act)) = *action {
        let sent = end.bytes as usize;
        if sent + out.len() > after || (after == sent && out.is_empty()) {
            let first = after.saturating_sub(sent).min(out.len());
            w.write_all(&out[..first]).await?;
            end.bytes += first as u64;
            end.reached = true;
            *action = None;
            match act {
                Action::Cut => {
                    end.cut = true;
                    return Ok(());
                }
                Action::Stall(d) => {
                    w.flush().await?;
                    tokio::time::sleep(d).await;
                    out = &out[first..];
                }
            }
        }
    }
    w.write_all(out).await?;
    end.bytes += out.len() as u64;
    Ok(())
}

/// Reads the request (head and a `Content-Length` body) and answers with `status` itself.
async fn respond(
    mut client: TcpStream,
    status: u16,
    retry_after: Option<u32>,
    record: &mut ConnRecord,
) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let read_all = async {
        loop {
            let n = client.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
            if let Some(pos) = find(&data, b"\r\n\r\n") {
                let len = content_length(&data[..pos]).unwrap_or(0);
                if data.len() >= pos + 4 + len {
                    break;
                }
            } else if data.len() > MAX_HEAD {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .map_err(|_| std::io::Error::other("the request did not arrive within 30 s"))??;
    record.up_bytes = data.len() as u64;
    if let Some(pos) = find(&data, b"\r\n") {
        record.request = Some(String::from_utf8_lossy(&data[..pos]).into_owned());
    }
    let reason = match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
    let mut resp = format!("HTTP/1.1 {status} {reason}\r\n");
    if let Some(s) = retry_after {
        resp.push_str(&format!("Retry-After: {s}\r\n"));
    }
    resp.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    client.write_all(resp.as_bytes()).await?;
    record.down_bytes = resp.len() as u64;
    client.shutdown().await?;
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// Returns `head` (ending in the blank line) with `Connection`/`Keep-Alive` headers replaced
/// by `Connection: close`.
pub fn close_head(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::with_capacity(text.len() + 20);
    for line in text.split("\r\n") {
        if line.is_empty() {
            continue;
        }
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let a = Plan::seeded(42);
        let b = Plan::seeded(42);
        let c = Plan::seeded(43);
        let fa: Vec<_> = (0..200).map(|n| a.fault_for(n)).collect();
        let fb: Vec<_> = (0..200).map(|n| b.fault_for(n)).collect();
        let fc: Vec<_> = (0..200).map(|n| c.fault_for(n)).collect();
        assert_eq!(fa, fb);
        assert_ne!(fa, fc);
        // Every kind of the default mix turns up in 200 draws.
        let kinds: std::collections::BTreeSet<_> = fa.iter().map(Fault::kind).collect();
        for k in [
            "pass",
            "cut-up",
            "cut-down",
            "stall-up",
            "stall-down",
            "http-500",
            "http-503",
        ] {
            assert!(kinds.contains(k), "{k} missing from {kinds:?}");
        }
        let long = fa
            .iter()
            .filter(|f| matches!(f, Fault::Stall { duration, .. } if *duration == a.long_stall))
            .count();
        assert!(long > 0, "no long stall in {fa:?}");
    }

    #[test]
    fn a_clean_plan_only_passes() {
        let p = Plan::clean();
        assert!((0..100).all(|n| p.fault_for(n) == Fault::Pass));
    }

    #[test]
    fn offsets_stay_within_the_configured_range() {
        let p = Plan {
            up_offset_max: 10,
            down_offset_max: 20,
            ..Plan::seeded(7)
        };
        for n in 0..500 {
            match p.fault_for(n) {
                Fault::Cut {
                    dir: Direction::Up,
                    after,
                }
                | Fault::Stall {
                    dir: Direction::Up,
                    after,
                    ..
                } => assert!(after <= 10),
                Fault::Cut { after, .. } | Fault::Stall { after, .. } => assert!(after <= 20),
                _ => {}
            }
        }
    }

    #[test]
    fn close_head_replaces_keep_alive() {
        let head = b"POST /x HTTP/1.1\r\nHost: a\r\nconnection: keep-alive\r\nKeep-Alive: 5\r\nContent-Length: 3\r\n\r\n";
        let out = String::from_utf8(close_head(head)).unwrap();
        assert_eq!(
            out,
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn command_names_come_from_the_query() {
        let mut r = ConnRecord {
            id: 0,
            fault: Fault::Pass,
            request: Some(
                "POST /SOGo/Microsoft-Server-ActiveSync?Cmd=Sync&User=alice HTTP/1.1".into(),
            ),
            up_bytes: 0,
            down_bytes: 0,
            applied: true,
            error: None,
        };
        assert_eq!(r.command(), "Sync");
        r.request = Some("OPTIONS /SOGo/Microsoft-Server-ActiveSync HTTP/1.1".into());
        assert_eq!(r.command(), "OPTIONS");
    }
}
