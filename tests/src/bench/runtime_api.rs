//! A one-shot Lambda Runtime API (2018-06-01) on loopback, for timing cold
//! starts: it hands one event to the first `GET .../invocation/next`,
//! records when the function first polled and when it posted its response,
//! and holds every later poll open, as Lambda does between invocations.
//!
//! Only what `lambda_runtime` uses is spoken: `next`, `{id}/response`,
//! `{id}/error` and `init/error`, over HTTP/1.1 keep-alive.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What the function did with the one event.
#[derive(Debug, Clone, Default)]
pub struct Served {
    /// First `next` poll: the runtime finished its init.
    pub first_poll: Option<Instant>,
    /// The response (or error) for the event arrived.
    pub responded: Option<Instant>,
    pub body: String,
    /// `false` when the function reported an invocation or init error.
    pub ok: bool,
}

pub struct OneShot {
    /// `host:port`, the value for `AWS_LAMBDA_RUNTIME_API`.
    pub addr: String,
    state: Arc<Mutex<State>>,
    done: Arc<Notify>,
}

struct State {
    /// Events still to hand out, in order.
    events: std::collections::VecDeque<String>,
    served: Served,
    /// When each event was handed out and when its response came.
    handed: Vec<Instant>,
    answered: Vec<Instant>,
}

impl OneShot {
    pub async fn start(event: String) -> std::io::Result<Self> {
        Self::start_series(vec![event]).await
    }

    /// Hands out `events` one after the other, each as soon as the function
    /// polls after answering the one before: warm invocations.
    pub async fn start_series(events: Vec<String>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        let state = Arc::new(Mutex::new(State {
            events: events.into(),
            served: Served::default(),
            handed: Vec::new(),
            answered: Vec::new(),
        }));
        let done = Arc::new(Notify::new());
        let (s, d) = (state.clone(), done.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(connection(sock, s.clone(), d.clone()));
            }
        });
        Ok(Self { addr, state, done })
    }

    /// Waits until every event of the series was answered; each one's time
    /// from being handed out to its response, in ms.
    pub async fn latencies(&self, count: usize) -> Vec<f64> {
        loop {
            let notified = self.done.notified();
            {
                let st = self.state.lock().unwrap();
                if st.answered.len() >= count {
                    return st.handed.iter().zip(&st.answered).map(|(h, a)| (*a - *h).as_secs_f64() * 1000.0).collect();
                }
            }
            notified.await;
        }
    }

    /// Waits for the response (or error) to the event.
    pub async fn served(&self) -> Served {
        loop {
            let notified = self.done.notified();
            {
                let st = self.state.lock().unwrap();
                if st.served.responded.is_some() {
                    return st.served.clone();
                }
            }
            notified.await;
        }
    }
}

async fn connection(sock: TcpStream, state: Arc<Mutex<State>>, done: Arc<Notify>) {
    // Small writes go out at once: with Nagle and delayed ACKs every warm
    // invocation of a series would wait ~40 ms on loopback.
    let _ = sock.set_nodelay(true);
    let (read, mut write) = sock.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let Some((method, path, body)) = read_request(&mut reader).await else { return };
        let now = Instant::now();
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let event = {
                let mut st = state.lock().unwrap();
                st.served.first_poll.get_or_insert(now);
                let event = st.events.pop_front();
                if event.is_some() {
                    st.handed.push(Instant::now());
                }
                event
            };
            match event {
                Some(event) => {
                    let deadline = (time::OffsetDateTime::now_utc().unix_timestamp() + 30) * 1000;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: bench-1\r\n\
                         lambda-runtime-deadline-ms: {deadline}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                         lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Sampled=0\r\ncontent-length: {}\r\n\r\n",
                        event.len()
                    );
                    if write.write_all(format!("{head}{event}").as_bytes()).await.is_err() {
                        return;
                    }
                }
                // Lambda freezes the environment here; we just never answer.
                None => std::future::pending::<()>().await,
            }
        } else {
            let ok = path.ends_with("/response");
            {
                let mut st = state.lock().unwrap();
                st.served.responded.get_or_insert(now);
                st.answered.push(now);
                if st.answered.len() == 1 {
                    st.served.body = body;
                    st.served.ok = ok;
                }
            }
            done.notify_waiters();
            let _ = write.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 16\r\n\r\n{\"status\":\"OK\"}\n").await;
        }
    }
}

/// One request: (method, path, body). Handles content-length and chunked
/// bodies, which is all `lambda_runtime`'s client sends.
async fn read_request<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<(String, String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0u8; size + 2]; // data + CRLF
            reader.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_content_length_and_chunked_bodies_on_one_connection() {
        let raw: &[u8] = b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello\
GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n\
POST /2018-06-01/runtime/invocation/b/error HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let mut reader = BufReader::new(raw);
        let first = read_request(&mut reader).await.unwrap();
        assert_eq!(first, ("POST".into(), "/2018-06-01/runtime/invocation/a/response".into(), "hello".into()));
        let second = read_request(&mut reader).await.unwrap();
        assert_eq!((second.0.as_str(), second.2.as_str()), ("GET", ""));
        assert_eq!(read_request(&mut reader).await.unwrap().2, "abcde");
        assert!(read_request(&mut reader).await.is_none());
    }
}
