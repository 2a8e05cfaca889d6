//! A Server-Sent Events frame parser (the `text/event-stream` format from the HTML spec),
//! fed with raw byte chunks as they arrive. Pure, so it is tested without a network.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `"message"` when the server gave none.
    pub kind: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` seen so far on this stream (it persists across events, per spec).
    pub id: Option<String>,
}

/// Incremental parser state. Chunks may split lines, and even UTF-8 characters, anywhere.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of an unfinished line.
    pending: Vec<u8>,
    kind: Option<String>,
    data: Option<String>,
    last_id: Option<String>,
}

impl SseParser {
    /// A parser for a fresh connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last event id seen, to resume with `Last-Event-ID` after a reconnect.
    pub fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Feed the next chunk; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        // Lines end in LF, CRLF or CR. A CR at the very end may be the first half of a
        // CRLF, so it waits for the next chunk.
        let mut start = 0;
        let mut i = 0;
        while i < self.pending.len() {
            let b = self.pending[i];
            if b == b'\n' || b == b'\r' {
                if b == b'\r' && i + 1 == self.pending.len() {
                    break;
                }
                let line = String::from_utf8_lossy(&self.pending[start..i]).into_owned();
                if b == b'\r' && self.pending[i + 1] == b'\n' {
                    i += 1;
                }
                if let Some(event) = self.line(&line) {
                    out.push(event);
                }
                start = i + 1;
            }
            i += 1;
        }
        self.pending.drain(..start);
        out
    }

    /// Process one complete line; a blank line dispatches the event being built.
    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let kind = self.kind.take();
            // No data means no event (e.g. a lone `id:` or `event:` block).
            let data = self.data.take()?;
            return Some(SseEvent {
                kind: kind.unwrap_or_else(|| "message".to_string()),
                data,
                id: self.last_id.clone(),
            });
        }
        if line.starts_with(':') {
            return None; // a comment: the server's keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.kind = Some(value.to_string()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            // Per spec an id containing NUL is ignored.
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {} // `retry:` and unknown fields: our own backoff decides
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            kind: kind.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn parses_a_full_frame() {
        let mut p = SseParser::new();
        let got = p.feed(b"id: 7\nevent: complaint.enriched\ndata: {\"a\":1}\n\n");
        assert_eq!(got, vec![ev("complaint.enriched", "{\"a\":1}", Some("7"))]);
        assert_eq!(p.last_id(), Some("7"));
    }

    #[test]
    fn frames_split_across_chunks_at_any_byte() {
        let input = "id: 1\nevent: x\ndata: caf\u{e9}\n\nid: 2\ndata: two\n\n".as_bytes();
        for cut in 0..input.len() {
            let mut p = SseParser::new();
            let mut got = p.feed(&input[..cut]);
            got.extend(p.feed(&input[cut..]));
            assert_eq!(
                got,
                vec![
                    ev("x", "caf\u{e9}", Some("1")),
                    ev("message", "two", Some("2"))
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let mut p = SseParser::new();
        let mut got = p.feed(b"event: a\r\ndata: 1\r");
        got.extend(p.feed(b"\n\r\nevent: b\rdata: 2\r\r"));
        // The final CR may be half of a CRLF, so event b waits for the next byte.
        assert_eq!(got, vec![ev("a", "1", None)]);
        assert_eq!(p.feed(b"\n"), vec![ev("b", "2", None)]);
    }

    #[test]
    fn comments_are_ignored_and_multiline_data_joined() {
        let mut p = SseParser::new();
        let got = p.feed(b": keep-alive\n\ndata: a\ndata:b\ndata\n\n");
        assert_eq!(got, vec![ev("message", "a\nb\n", None)]);
    }

    #[test]
    fn id_persists_and_blocks_without_data_do_not_dispatch() {
        let mut p = SseParser::new();
        assert!(p.feed(b"id: 41\nevent: lonely\n\n").is_empty());
        let got = p.feed(b"data: x\n\n");
        // The kind of the undispatched block is discarded; the id carries over.
        assert_eq!(got, vec![ev("message", "x", Some("41"))]);
    }

    #[test]
    fn retry_and_unknown_fields_are_ignored() {
        let mut p = SseParser::new();
        let got = p.feed(b"retry: 5000\nfoo: bar\nevent: e\ndata: d\n\n");
        assert_eq!(got, vec![ev("e", "d", None)]);
    }
}
