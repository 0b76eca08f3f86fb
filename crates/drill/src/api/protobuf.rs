//! The little Kubernetes protobuf the drill cluster must read: kubectl 1.30+ sends some
//! request bodies (e.g. `auth can-i`'s SelfSubjectAccessReview) as protobuf. This decodes the
//! `k8s\0` envelope and the access-review fields into JSON (and accepts `auth whoami`'s
//! SelfSubjectReview, which carries nothing); everything else is refused.

use serde_json::{Value, json};

const MAGIC: &[u8] = b"k8s\0";

/// Reads protobuf fields: (field number, wire type, payload).
struct Reader<'a> {
    buf: &'a [u8],
}

enum Field<'a> {
    /// A varint or fixed-width scalar (its value is not needed here).
    Scalar,
    Bytes(&'a [u8]),
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let (&b, rest) = self.buf.split_first()?;
            self.buf = rest;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn next(&mut self) -> Option<Result<(u64, Field<'a>), String>> {
        if self.buf.is_empty() {
            return None;
        }
        let Some(key) = self.varint() else {
            return Some(Err("truncated field key".into()));
        };
        let (number, wire) = (key >> 3, key & 7);
        Some(match wire {
            0 => self
                .varint()
                .map(|_| (number, Field::Scalar))
                .ok_or_else(|| "truncated varint".into()),
            2 => {
                let Some(len) = self.varint() else {
                    return Some(Err("truncated length".into()));
                };
                let len = len as usize;
                if len > self.buf.len() {
                    return Some(Err("field longer than the message".into()));
                }
                let (head, rest) = self.buf.split_at(len);
                self.buf = rest;
                Ok((number, Field::Bytes(head)))
            }
            1 if self.buf.len() >= 8 => {
                self.buf = &self.buf[8..];
                Ok((number, Field::Scalar))
            }
            5 if self.buf.len() >= 4 => {
                self.buf = &self.buf[4..];
                Ok((number, Field::Scalar))
            }
            w => Err(format!("unsupported wire type {w}")),
        })
    }
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, Field<'_>)>, String> {
    let mut r = Reader { buf };
    let mut out = Vec::new();
    while let Some(f) = r.next() {
        out.push(f?);
    }
    Ok(out)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `k8s\0` envelope: the kind its TypeMeta names, and the raw object.
fn envelope(body: &[u8]) -> Result<(String, &[u8]), String> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("not a Kubernetes protobuf body (no k8s\\0 prefix)")?;
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (n, f) in fields(envelope)? {
        match (n, f) {
            (1, Field::Bytes(tm)) => {
                for (m, g) in fields(tm)? {
                    if let (2, Field::Bytes(k)) = (m, g) {
                        kind = text(k);
                    }
                }
            }
            (2, Field::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    Ok((kind, raw))
}

/// Decodes a protobuf SelfSubjectReview (`kubectl auth whoami`) into its JSON form. It asks
/// nothing: its only content is its kind.
pub fn self_review(body: &[u8]) -> Result<Value, String> {
    let (kind, raw) = envelope(body)?;
    if kind != "SelfSubjectReview" {
        return Err(format!(
            "protobuf bodies are accepted only for SelfSubjectReview here, not {kind:?}; send JSON"
        ));
    }
    fields(raw)?;
    Ok(json!({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {}}))
}

/// Decodes a protobuf SelfSubjectAccessReview into its JSON form.
pub fn access_review(body: &[u8]) -> Result<Value, String> {
    let (kind, raw) = envelope(body)?;
    if kind != "SelfSubjectAccessReview" {
        return Err(format!(
            "protobuf bodies are accepted only for SelfSubjectAccessReview, not {kind:?}; send JSON"
        ));
    }
    let mut spec = json!({});
    for (n, f) in fields(raw)? {
        if let (2, Field::Bytes(s)) = (n, f) {
            for (m, g) in fields(s)? {
                match (m, g) {
                    (1, Field::Bytes(attrs)) => {
                        let mut a = json!({});
                        for (k, v) in fields(attrs)? {
                            let name = match k {
                                1 => "namespace",
                                2 => "verb",
                                3 => "group",
                                4 => "version",
                                5 => "resource",
                                6 => "subresource",
                                7 => "name",
                                _ => continue,
                            };
                            if let Field::Bytes(b) = v {
                                a[name] = json!(text(b));
                            }
                        }
                        spec["resourceAttributes"] = a;
                    }
                    (2, Field::Bytes(attrs)) => {
                        let mut a = json!({});
                        for (k, v) in fields(attrs)? {
                            if let Field::Bytes(b) = v {
                                match k {
                                    1 => a["path"] = json!(text(b)),
                                    2 => a["verb"] = json!(text(b)),
                                    _ => {}
                                }
                            }
                        }
                        spec["nonResourceAttributes"] = a;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(
        json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {}, "spec": spec}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![((n << 3) | 2) as u8, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_an_access_review() {
        let attrs = [
            field(1, b"shop"),
            field(2, b"create"),
            field(5, b"pods"),
            field(6, b"eviction"),
        ]
        .concat();
        let spec = field(1, &attrs);
        let review = field(2, &spec);
        let type_meta = [
            field(1, b"authorization.k8s.io/v1"),
            field(2, b"SelfSubjectAccessReview"),
        ]
        .concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &review)].concat();
        let v = access_review(&body).unwrap();
        assert_eq!(v["spec"]["resourceAttributes"]["verb"], "create");
        assert_eq!(v["spec"]["resourceAttributes"]["subresource"], "eviction");
        assert_eq!(v["spec"]["resourceAttributes"]["namespace"], "shop");
    }

    #[test]
    fn reads_a_self_review_and_nothing_else() {
        let type_meta = [field(1, b"authentication.k8s.io/v1"), field(2, b"SelfSubjectReview")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &field(1, b""))].concat();
        assert_eq!(self_review(&body).unwrap()["kind"], "SelfSubjectReview");
        let other = [MAGIC.to_vec(), field(1, &field(2, b"SelfSubjectAccessReview"))].concat();
        assert!(self_review(&other).unwrap_err().contains("SelfSubjectAccessReview"));
        assert!(self_review(b"{}").is_err());
    }

    #[test]
    fn refuses_other_kinds_and_garbage() {
        assert!(access_review(b"garbage").is_err());
        let type_meta = field(2, b"Deployment");
        let body = [MAGIC.to_vec(), field(1, &type_meta)].concat();
        assert!(access_review(&body).unwrap_err().contains("Deployment"));
        assert!(access_review(&[MAGIC, &[0x0a, 0xff]].concat()).is_err());
    }
}
