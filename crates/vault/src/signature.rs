//! Webhook signatures: checking an incoming request's HMAC over its raw body, and signing a body the way a sender would.
//!
//! Four presets: a generic HMAC (any header, SHA-256/SHA-1/SHA-512, hex or base64, optional prefix), GitHub
//! (`X-Hub-Signature-256`), Stripe (`Stripe-Signature`) and Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`). Verification runs on the body bytes exactly as received: any parsing or re-serialising
//! first would change the bytes the sender signed.
//!
//! Every comparison of a MAC decodes the presented signature to bytes and compares those in constant time, so a
//! caller cannot learn the expected signature byte by byte from response times. No error message carries the
//! secret or the expected signature: they reach logs and the tester's output.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Sensitive;

/// How far a signed timestamp may be from now, either way, unless the credential says otherwise. Five minutes is
/// what Stripe and Standard Webhooks recommend: enough for clock drift and retries, short enough to blunt replays.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;

const GITHUB_HEADER: &str = "X-Hub-Signature-256";
const GITHUB_PREFIX: &str = "sha256=";
const STRIPE_HEADER: &str = "Stripe-Signature";
const WEBHOOK_ID: &str = "webhook-id";
const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
const WEBHOOK_SIGNATURE: &str = "webhook-signature";
const WHSEC_PREFIX: &str = "whsec_";

// Senders differ on padding, and a missing `=` says nothing about authenticity, so decoding accepts both.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const BASE64_URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Which signature scheme a credential follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    Generic,
    Github,
    Stripe,
    StandardWebhooks,
}

/// The hash under the HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha1,
    Sha512,
}

/// How the signature bytes are written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Hex,
    Base64,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Generic, Preset::Github, Preset::Stripe, Preset::StandardWebhooks];

    /// The value of the credential's `preset` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Generic => "generic",
            Preset::Github => "github",
            Preset::Stripe => "stripe",
            Preset::StandardWebhooks => "standard-webhooks",
        }
    }
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha256, Algorithm::Sha1, Algorithm::Sha512];

    /// The value of the credential's `algorithm` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Bytes in a MAC, so a signature of the wrong length can be reported as malformed rather than as a mismatch.
    pub fn output_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha1 => 20,
            Algorithm::Sha512 => 64,
        }
    }
}

impl Encoding {
    pub const ALL: [Encoding; 2] = [Encoding::Hex, Encoding::Base64];

    /// The value of the credential's `encoding` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One enum a settings field chooses from, so parsing and the "one of …" message are written once.
trait Choice: Copy + 'static {
    const FIELD: &'static str;
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
}

impl Choice for Preset {
    const FIELD: &'static str = "preset";
    fn all() -> &'static [Self] {
        &Preset::ALL
    }
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Choice for Algorithm {
    const FIELD: &'static str = "algorithm";
    fn all() -> &'static [Self] {
        &Algorithm::ALL
    }
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Choice for Encoding {
    const FIELD: &'static str = "encoding";
    fn all() -> &'static [Self] {
        &Encoding::ALL
    }
    fn name(self) -> &'static str {
        self.as_str()
    }
}

fn parse_choice<T: Choice>(raw: &str) -> Result<T, SignatureError> {
    T::all().iter().copied().find(|choice| choice.name().eq_ignore_ascii_case(raw)).ok_or_else(|| {
        let choices: Vec<&str> = T::all().iter().map(|choice| choice.name()).collect();
        // The value is echoed because these fields are not secret and a typo is easiest to fix when it is shown.
        invalid_setting(T::FIELD, format!("{raw:?} is not one of {}", choices.join(", ")))
    })
}

/// How a credential's webhook signatures are made: its non-secret fields, checked and with the preset's defaults
/// filled in. For the named presets (GitHub, Stripe, Standard Webhooks) the scheme is fixed by the sender, so
/// `verify` and `sign` follow the preset and only `tolerance_seconds` is read; the other fields describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacSettings {
    pub preset: Preset,
    pub algorithm: Algorithm,
    pub header: String,
    pub encoding: Encoding,
    pub prefix: Option<String>,
    /// How far a signed timestamp may be from now, past or future (Stripe and Standard Webhooks only).
    pub tolerance_seconds: u64,
}

impl HmacSettings {
    /// GitHub's `X-Hub-Signature-256: sha256=<hex>`.
    pub fn github() -> HmacSettings {
        HmacSettings {
            preset: Preset::Github,
            algorithm: Algorithm::Sha256,
            header: GITHUB_HEADER.to_string(),
            encoding: Encoding::Hex,
            prefix: Some(GITHUB_PREFIX.to_string()),
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
        }
    }

    /// Stripe's `Stripe-Signature: t=<unix>,v1=<hex>`.
    pub fn stripe() -> HmacSettings {
        HmacSettings {
            preset: Preset::Stripe,
            algorithm: Algorithm::Sha256,
            header: STRIPE_HEADER.to_string(),
            encoding: Encoding::Hex,
            prefix: None,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
        }
    }

    /// Standard Webhooks' `webhook-signature: v1,<base64>` with `webhook-id` and `webhook-timestamp`.
    pub fn standard_webhooks() -> HmacSettings {
        HmacSettings {
            preset: Preset::StandardWebhooks,
            algorithm: Algorithm::Sha256,
            header: WEBHOOK_SIGNATURE.to_string(),
            encoding: Encoding::Base64,
            prefix: None,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
        }
    }

    /// From a credential's non-secret fields (JSON object with optional keys "preset", "algorithm",
    /// "header", "encoding", "prefix", "toleranceSeconds"). A preset fills its own defaults
    /// (github: header X-Hub-Signature-256, sha256, hex, prefix "sha256="; stripe: Stripe-Signature,
    /// sha256, hex; standard-webhooks: webhook-signature, sha256, base64; generic: sha256, hex, no prefix,
    /// and "header" is required). Fields given explicitly for generic override defaults; for the
    /// three named presets, a conflicting explicit algorithm/encoding/header is an error naming the field.
    /// Missing preset = generic. Unknown values are an error naming the field and listing the choices.
    ///
    /// A field that is absent, `null` or an empty string counts as not given, because that is how a blank form
    /// field arrives. Keys other than these are ignored: the credential has other fields.
    pub fn from_fields(fields: &Map<String, Value>) -> Result<HmacSettings, SignatureError> {
        let preset = text_field(fields, "preset")?.map(parse_choice::<Preset>).transpose()?.unwrap_or(Preset::Generic);
        let algorithm = text_field(fields, "algorithm")?.map(parse_choice::<Algorithm>).transpose()?;
        let encoding = text_field(fields, "encoding")?.map(parse_choice::<Encoding>).transpose()?;
        let header = text_field(fields, "header")?.map(checked_header_name).transpose()?;
        let prefix = text_field(fields, "prefix")?;
        let tolerance_seconds = tolerance_field(fields)?.unwrap_or(DEFAULT_TOLERANCE_SECONDS);

        let mut settings = match preset {
            Preset::Generic => {
                let header =
                    header.ok_or_else(|| invalid_setting("header", "is required for the generic preset".into()))?;
                return Ok(HmacSettings {
                    preset,
                    algorithm: algorithm.unwrap_or(Algorithm::Sha256),
                    header: header.to_string(),
                    encoding: encoding.unwrap_or(Encoding::Hex),
                    prefix: prefix.map(str::to_string),
                    tolerance_seconds,
                });
            }
            Preset::Github => HmacSettings::github(),
            Preset::Stripe => HmacSettings::stripe(),
            Preset::StandardWebhooks => HmacSettings::standard_webhooks(),
        };

        // A named preset's scheme is the sender's, not ours to change: a different value would silently reject
        // every genuine request, so it is refused here where the user can still see which field is wrong.
        if algorithm.is_some_and(|given| given != settings.algorithm) {
            let reason = format!("the {preset} preset always uses {}", settings.algorithm);
            return Err(invalid_setting("algorithm", reason));
        }
        if encoding.is_some_and(|given| given != settings.encoding) {
            let reason = format!("the {preset} preset always uses {}", settings.encoding);
            return Err(invalid_setting("encoding", reason));
        }
        if header.is_some_and(|given| !given.eq_ignore_ascii_case(&settings.header)) {
            let reason = format!("the {preset} preset always uses the {} header", settings.header);
            return Err(invalid_setting("header", reason));
        }
        if let Some(given) = prefix {
            match &settings.prefix {
                Some(own) if given.eq_ignore_ascii_case(own) => {}
                Some(own) => {
                    return Err(invalid_setting(
                        "prefix",
                        format!("the {preset} preset always uses the prefix {own:?}"),
                    ))
                }
                None => return Err(invalid_setting("prefix", format!("the {preset} preset takes no prefix"))),
            }
        }
        settings.tolerance_seconds = tolerance_seconds;
        Ok(settings)
    }

    /// The header names that carry signature material for this preset (for masking in logs):
    /// generic/github: [header]; stripe: ["stripe-signature"]; standard-webhooks:
    /// ["webhook-signature"] (webhook-id and webhook-timestamp are not secret). Lowercase.
    pub fn signature_headers(&self) -> Vec<String> {
        vec![signature_header(self).to_ascii_lowercase()]
    }
}

impl Preset {
    /// The key a delivery signed under this preset is deduplicated by, so a
    /// replay is answered as the duplicate it is:
    /// - Standard Webhooks: `webhook-id`, which the signature covers;
    /// - Stripe: the event's `id` from the signed body (an old replay is
    ///   refused by the signed timestamp; a recent one by this id);
    /// - GitHub: `X-GitHub-Delivery` (GitHub signs only the body, so this id
    ///   itself is not signed; see the README);
    /// - generic: none (`None`): the caller's `Idempotency-Key` is used.
    ///
    /// With a preset that has its own key, an unsigned `Idempotency-Key`
    /// cannot stand in for it: a replay with a fresh one is still a replay.
    pub fn delivery_key(self, header: &dyn Fn(&str) -> Option<String>, body: &[u8]) -> Option<String> {
        match self {
            Preset::Generic => None,
            Preset::StandardWebhooks => header(WEBHOOK_ID).map(|id| format!("webhook-id:{id}")),
            Preset::Github => header("x-github-delivery").map(|id| format!("github:{id}")),
            Preset::Stripe => serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|event| event.get("id").and_then(Value::as_str).map(|id| format!("stripe:{id}"))),
        }
    }

    /// Whether this preset names its deliveries itself (see [`Preset::delivery_key`]).
    pub fn has_delivery_key(self) -> bool {
        self != Preset::Generic
    }
}

/// The one header holding the MAC itself; Standard Webhooks' id and timestamp are signed but not secret.
fn signature_header(settings: &HmacSettings) -> &str {
    match settings.preset {
        Preset::Generic => &settings.header,
        Preset::Github => GITHUB_HEADER,
        Preset::Stripe => STRIPE_HEADER,
        Preset::StandardWebhooks => WEBHOOK_SIGNATURE,
    }
}

/// A field's text, trimmed; `None` when absent, null or blank.
fn text_field<'a>(fields: &'a Map<String, Value>, field: &'static str) -> Result<Option<&'a str>, SignatureError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim()).filter(|text| !text.is_empty())),
        Some(_) => Err(invalid_setting(field, "must be a string".into())),
    }
}

fn tolerance_field(fields: &Map<String, Value>) -> Result<Option<u64>, SignatureError> {
    const FIELD: &str = "toleranceSeconds";
    let malformed = || invalid_setting(FIELD, "must be a whole number of seconds, 0 or more".into());
    match fields.get(FIELD) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number.as_u64().map(Some).ok_or_else(malformed),
        // Form fields often arrive as text.
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => text.trim().parse::<u64>().map(Some).map_err(|_| malformed()),
        Some(_) => Err(malformed()),
    }
}

/// An HTTP header name is a token (RFC 9110); anything else could never arrive, so every request would fail.
fn checked_header_name(name: &str) -> Result<&str, SignatureError> {
    let is_token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if name.bytes().all(is_token) {
        Ok(name)
    } else {
        Err(invalid_setting("header", "is not a valid HTTP header name".into()))
    }
}

/// Which side of now a rejected timestamp lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skew {
    Past,
    Future,
}

impl fmt::Display for Skew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Skew::Past => "in the past",
            Skew::Future => "in the future",
        })
    }
}

/// Why a signature was not accepted, or could not be made. No message contains the secret or the expected
/// signature, and none echoes the presented signature either.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The request lacks a header the scheme needs.
    #[error("the {header} header is missing")]
    MissingHeader { header: String },
    /// A header is there but cannot be read as the scheme says.
    #[error("the {header} header is malformed: {reason}")]
    Malformed { header: String, reason: String },
    /// The signature is well formed but was not made with this secret over this body.
    #[error("no signature in the {header} header matches the request")]
    Mismatch { header: String },
    /// The signed timestamp is too far from now: a replay, or a clock that is off.
    #[error("the signature timestamp is {offset_seconds} s {skew}, outside the tolerance of {tolerance_seconds} s")]
    TimestampOutsideTolerance { offset_seconds: u64, skew: Skew, tolerance_seconds: u64 },
    /// The credential's secret cannot key the HMAC.
    #[error("the signing secret is unusable: {reason}")]
    InvalidSecret { reason: &'static str },
    /// A settings field of the credential is wrong.
    #[error("invalid setting {field:?}: {reason}")]
    InvalidSetting { field: &'static str, reason: String },
}

impl SignatureError {
    /// "signature_invalid" for every request-side failure, "invalid_credential" for settings/secret problems.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::MissingHeader { .. }
            | SignatureError::Malformed { .. }
            | SignatureError::Mismatch { .. }
            | SignatureError::TimestampOutsideTolerance { .. } => "signature_invalid",
            SignatureError::InvalidSecret { .. } | SignatureError::InvalidSetting { .. } => "invalid_credential",
        }
    }
}

fn invalid_setting(field: &'static str, reason: String) -> SignatureError {
    SignatureError::InvalidSetting { field, reason }
}

fn malformed(header: &str, reason: impl Into<String>) -> SignatureError {
    SignatureError::Malformed { header: header.to_string(), reason: reason.into() }
}

fn mismatch(header: &str) -> SignatureError {
    SignatureError::Mismatch { header: header.to_string() }
}

/// Checks the request. `header` looks a header up by case-insensitive name and returns its value.
/// `now` is unix seconds (passed in, never read from the clock inside).
///
/// The secret is checked before the request, so a broken credential is reported as such whatever arrives.
pub fn verify(
    settings: &HmacSettings,
    secret: &Sensitive<String>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    match settings.preset {
        Preset::Generic | Preset::Github => verify_simple(&SimpleScheme::of(settings), secret, header, body),
        Preset::Stripe => verify_stripe(settings.tolerance_seconds, secret, header, body, now),
        Preset::StandardWebhooks => verify_standard_webhooks(settings.tolerance_seconds, secret, header, body, now),
    }
}

/// Headers (name, value) that make `verify` accept `body`: for standard-webhooks it needs the message id
/// (`webhook-id`, e.g. "msg_…") and sets webhook-id, webhook-timestamp (= now) and webhook-signature;
/// for stripe t=now; for github/generic just the one header (id unused).
pub fn sign(
    settings: &HmacSettings,
    secret: &Sensitive<String>,
    body: &[u8],
    now: i64,
    message_id: &str,
) -> Result<Vec<(String, String)>, SignatureError> {
    match settings.preset {
        Preset::Generic | Preset::Github => {
            let scheme = SimpleScheme::of(settings);
            let tag = hmac(scheme.algorithm, utf8_key(secret)?, &[body])?;
            let value = format!("{}{}", scheme.prefix.unwrap_or(""), encode(scheme.encoding, &tag));
            Ok(vec![(scheme.header.to_string(), value)])
        }
        Preset::Stripe => {
            let timestamp = now.to_string();
            let tag = hmac(Algorithm::Sha256, utf8_key(secret)?, &[timestamp.as_bytes(), b".", body])?;
            Ok(vec![(STRIPE_HEADER.to_string(), format!("t={timestamp},v1={}", hex::encode(tag)))])
        }
        Preset::StandardWebhooks => {
            let key = whsec_key(secret)?;
            // `verify` trims header values, so a padded id would be signed with spaces verify never sees.
            let id = message_id.trim();
            if id.is_empty() {
                return Err(malformed(WEBHOOK_ID, "is empty: signing needs a message id such as msg_…"));
            }
            if id.chars().any(char::is_control) {
                return Err(malformed(WEBHOOK_ID, "contains control characters, which a header cannot carry"));
            }
            let timestamp = now.to_string();
            let tag = hmac(Algorithm::Sha256, &key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body])?;
            Ok(vec![
                (WEBHOOK_ID.to_string(), id.to_string()),
                (WEBHOOK_TIMESTAMP.to_string(), timestamp),
                (WEBHOOK_SIGNATURE.to_string(), format!("v1,{}", STANDARD.encode(tag))),
            ])
        }
    }
}

/// One header holding one MAC of the body alone: generic and GitHub.
struct SimpleScheme<'a> {
    header: &'a str,
    algorithm: Algorithm,
    encoding: Encoding,
    prefix: Option<&'a str>,
}

impl<'a> SimpleScheme<'a> {
    fn of(settings: &'a HmacSettings) -> SimpleScheme<'a> {
        match settings.preset {
            Preset::Github => SimpleScheme {
                header: GITHUB_HEADER,
                algorithm: Algorithm::Sha256,
                encoding: Encoding::Hex,
                prefix: Some(GITHUB_PREFIX),
            },
            _ => SimpleScheme {
                header: &settings.header,
                algorithm: settings.algorithm,
                encoding: settings.encoding,
                prefix: settings.prefix.as_deref().filter(|prefix| !prefix.is_empty()),
            },
        }
    }
}

fn verify_simple(
    scheme: &SimpleScheme<'_>,
    secret: &Sensitive<String>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let key = utf8_key(secret)?;
    let value = required_header(header, scheme.header)?;
    let encoded = match scheme.prefix {
        Some(prefix) => strip_prefix_ignore_case(&value, prefix)
            .ok_or_else(|| malformed(scheme.header, format!("does not start with {prefix:?}")))?,
        None => &value,
    };
    let presented = decode(scheme.encoding, encoded)
        .ok_or_else(|| malformed(scheme.header, format!("the signature is not valid {}", scheme.encoding)))?;
    // The length of a MAC is public, so saying it is wrong gives nothing away and points at a wrong algorithm.
    if presented.len() != scheme.algorithm.output_len() {
        let reason = format!(
            "the signature has {} bytes where an HMAC-{} has {}",
            presented.len(),
            scheme.algorithm,
            scheme.algorithm.output_len()
        );
        return Err(malformed(scheme.header, reason));
    }
    let expected = hmac(scheme.algorithm, key, &[body])?;
    if bool::from(expected.ct_eq(&presented)) {
        Ok(())
    } else {
        Err(mismatch(scheme.header))
    }
}

fn verify_stripe(
    tolerance_seconds: u64,
    secret: &Sensitive<String>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let key = utf8_key(secret)?;
    let value = required_header(header, STRIPE_HEADER)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for item in value.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (name, content) =
            item.split_once('=').ok_or_else(|| malformed(STRIPE_HEADER, "an entry is not of the form name=value"))?;
        match name.trim() {
            "t" => {
                // Two timestamps would leave it open which one was signed.
                let None = timestamp.replace(content.trim()) else {
                    return Err(malformed(STRIPE_HEADER, "it has more than one t= timestamp"));
                };
            }
            "v1" => candidates.push(content.trim()),
            // v0 and any later schemes are not ours to check; Stripe's own libraries skip them too.
            _ => {}
        }
    }
    let timestamp_text = timestamp.ok_or_else(|| malformed(STRIPE_HEADER, "it has no t= timestamp"))?;
    let timestamp = parse_timestamp(STRIPE_HEADER, timestamp_text)?;
    if candidates.is_empty() {
        return Err(malformed(STRIPE_HEADER, "it has no v1= signature"));
    }
    check_tolerance(timestamp, now, tolerance_seconds)?;
    let expected = hmac(Algorithm::Sha256, key, &[timestamp_text.as_bytes(), b".", body])?;
    // An entry that is not hex cannot match, but another entry still may: Stripe sends one per active secret.
    let matched = candidates
        .iter()
        .filter_map(|candidate| hex::decode(candidate).ok())
        .any(|presented| bool::from(expected.ct_eq(&presented)));
    if matched {
        Ok(())
    } else {
        Err(mismatch(STRIPE_HEADER))
    }
}

fn verify_standard_webhooks(
    tolerance_seconds: u64,
    secret: &Sensitive<String>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let key = whsec_key(secret)?;
    let id = required_header(header, WEBHOOK_ID)?;
    let timestamp_text = required_header(header, WEBHOOK_TIMESTAMP)?;
    let signatures = required_header(header, WEBHOOK_SIGNATURE)?;
    let timestamp = parse_timestamp(WEBHOOK_TIMESTAMP, &timestamp_text)?;
    // Time first, as the spec's reference libraries do: a stale request is refused without computing a MAC.
    check_tolerance(timestamp, now, tolerance_seconds)?;
    // Other versions (v1a is asymmetric) belong to other verifiers; ignoring them lets senders add schemes.
    let candidates: Vec<&str> = signatures
        .split_ascii_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .map(|(_, signature)| signature)
        .collect();
    if candidates.is_empty() {
        return Err(malformed(WEBHOOK_SIGNATURE, "it has no v1, signature"));
    }
    let expected = hmac(Algorithm::Sha256, &key, &[id.as_bytes(), b".", timestamp_text.as_bytes(), b".", body])?;
    // Several entries appear while a secret is rotated; an undecodable one is skipped, not fatal.
    let matched = candidates
        .iter()
        .filter_map(|candidate| decode_base64(candidate))
        .any(|presented| bool::from(expected.ct_eq(&presented)));
    if matched {
        Ok(())
    } else {
        Err(mismatch(WEBHOOK_SIGNATURE))
    }
}

/// The header's value, trimmed; missing and blank are told apart because they point at different mistakes.
fn required_header(header: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<String, SignatureError> {
    let value = header(name).ok_or_else(|| SignatureError::MissingHeader { header: name.to_string() })?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(malformed(name, "it is empty"));
    }
    Ok(if trimmed.len() == value.len() { value } else { trimmed.to_string() })
}

fn strip_prefix_ignore_case<'v>(value: &'v str, prefix: &str) -> Option<&'v str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}

fn parse_timestamp(header: &str, text: &str) -> Result<i64, SignatureError> {
    text.parse::<i64>().map_err(|_| malformed(header, "the timestamp is not a whole number of unix seconds"))
}

fn check_tolerance(timestamp: i64, now: i64, tolerance_seconds: u64) -> Result<(), SignatureError> {
    // i128 so that absurd timestamps from a caller cannot overflow the subtraction.
    let offset = i128::from(now) - i128::from(timestamp);
    let magnitude = offset.unsigned_abs();
    if magnitude <= u128::from(tolerance_seconds) {
        return Ok(());
    }
    Err(SignatureError::TimestampOutsideTolerance {
        offset_seconds: u64::try_from(magnitude).unwrap_or(u64::MAX),
        skew: if offset < 0 { Skew::Future } else { Skew::Past },
        tolerance_seconds,
    })
}

/// GitHub, Stripe and generic HMACs are keyed with the secret's bytes as typed (Stripe's `whsec_` included).
fn utf8_key(secret: &Sensitive<String>) -> Result<&[u8], SignatureError> {
    let key = secret.expose().as_bytes();
    // HMAC accepts an empty key, but then anyone can sign: that is a missing secret, not a weak one.
    if key.is_empty() {
        return Err(SignatureError::InvalidSecret { reason: "it is empty" });
    }
    Ok(key)
}

/// Standard Webhooks keys are the bytes behind `whsec_<base64>`; the prefix is optional because some senders
/// show only the base64.
fn whsec_key(secret: &Sensitive<String>) -> Result<Zeroizing<Vec<u8>>, SignatureError> {
    let text = secret.expose().trim();
    let encoded = text.strip_prefix(WHSEC_PREFIX).unwrap_or(text);
    // The decoder's own error names the offending character and its offset, which would leak part of the
    // secret, so it is dropped for a fixed reason.
    let key = Zeroizing::new(decode_base64(encoded).ok_or(SignatureError::InvalidSecret {
        reason: "a Standard Webhooks secret must be whsec_ followed by base64, and this is not valid base64",
    })?);
    if key.is_empty() {
        return Err(SignatureError::InvalidSecret { reason: "it is empty" });
    }
    Ok(key)
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64_LENIENT.decode(text).or_else(|_| BASE64_URL_LENIENT.decode(text)).ok()
}

fn decode(encoding: Encoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        // `hex` reads either case, as senders differ.
        Encoding::Hex => hex::decode(text).ok(),
        Encoding::Base64 => decode_base64(text),
    }
}

fn encode(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Hex => hex::encode(bytes),
        Encoding::Base64 => STANDARD.encode(bytes),
    }
}

fn hmac(algorithm: Algorithm, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, SignatureError> {
    match algorithm {
        Algorithm::Sha256 => hmac_with::<Hmac<Sha256>>(key, parts),
        Algorithm::Sha1 => hmac_with::<Hmac<Sha1>>(key, parts),
        Algorithm::Sha512 => hmac_with::<Hmac<Sha512>>(key, parts),
    }
}

/// Fed in parts so the signed content (`id.timestamp.body`) is never copied into one buffer.
fn hmac_with<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, SignatureError> {
    let mut mac = <M as Mac>::new_from_slice(key)
        .map_err(|_| SignatureError::InvalidSecret { reason: "it cannot key an HMAC" })?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SW_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SW_TIMESTAMP: i64 = 1614265330;
    const SW_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SW_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    const GITHUB_SECRET: &str = "It's a Secret to Everybody";
    const GITHUB_BODY: &[u8] = b"Hello, World!";
    const GITHUB_SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    const STRIPE_SECRET: &str = "whsec_test_secret";
    const STRIPE_TIMESTAMP: i64 = 1700000000;
    const STRIPE_BODY: &[u8] = br#"{"id":"evt_1"}"#;

    const GENERIC_SECRET: &str = "generic-canary-5e1d";

    type Lookup = Box<dyn Fn(&str) -> Option<String>>;

    /// A request's headers, looked up by case-insensitive name as the listener does.
    fn headers<N: ToString, V: ToString>(pairs: impl IntoIterator<Item = (N, V)>) -> Lookup {
        let pairs: Vec<(String, String)> = pairs.into_iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        Box::new(move |name| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()))
    }

    fn secret(text: &str) -> Sensitive<String> {
        Sensitive::from(text)
    }

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().expect("test fields are a JSON object").clone()
    }

    fn generic(algorithm: &str, encoding: &str, prefix: Option<&str>) -> HmacSettings {
        let mut given =
            json!({"preset": "generic", "header": "X-Signature", "algorithm": algorithm, "encoding": encoding});
        if let Some(prefix) = prefix {
            given["prefix"] = json!(prefix);
        }
        HmacSettings::from_fields(&fields(given)).expect("the generic settings are valid")
    }

    fn sw_request(timestamp: &str, signature: &str) -> Lookup {
        headers([(WEBHOOK_ID, SW_ID), (WEBHOOK_TIMESTAMP, timestamp), (WEBHOOK_SIGNATURE, signature)])
    }

    fn sw_verify(secret_text: &str, request: &Lookup, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify(&HmacSettings::standard_webhooks(), &secret(secret_text), request, body, now)
    }

    fn sw_good_request() -> Lookup {
        sw_request(&SW_TIMESTAMP.to_string(), SW_SIGNATURE)
    }

    fn other_whsec() -> String {
        format!("whsec_{}", STANDARD.encode(b"another key of 24 bytes!"))
    }

    fn github_verify(secret_text: &str, request: &Lookup) -> Result<(), SignatureError> {
        verify(&HmacSettings::github(), &secret(secret_text), request, GITHUB_BODY, 0)
    }

    fn stripe_verify(request: &Lookup, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify(&HmacSettings::stripe(), &secret(STRIPE_SECRET), request, body, now)
    }

    /// Stripe's scheme written out with the HMAC crates directly, independent of the module's code path.
    fn stripe_hex_by_hand(timestamp: i64, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(STRIPE_SECRET.as_bytes()).expect("HMAC takes any key");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    // Standard Webhooks

    #[test]
    fn standard_webhooks_accepts_the_spec_test_vector() {
        let outcome = sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP);
        assert!(outcome.is_ok(), "the spec's own vector must verify: {outcome:?}");
    }

    #[test]
    fn standard_webhooks_sign_reproduces_the_spec_signature_exactly() {
        let signed = sign(&HmacSettings::standard_webhooks(), &secret(SW_SECRET), SW_BODY, SW_TIMESTAMP, SW_ID)
            .expect("the spec's secret is usable");
        let expected = vec![
            (WEBHOOK_ID.to_string(), SW_ID.to_string()),
            (WEBHOOK_TIMESTAMP.to_string(), SW_TIMESTAMP.to_string()),
            (WEBHOOK_SIGNATURE.to_string(), SW_SIGNATURE.to_string()),
        ];
        assert_eq!(signed, expected, "a sender following the spec produces exactly the spec's headers");
    }

    #[test]
    fn standard_webhooks_rejects_a_wrong_secret() {
        let outcome = sw_verify(&other_whsec(), &sw_good_request(), SW_BODY, SW_TIMESTAMP);
        assert!(
            matches!(outcome, Err(SignatureError::Mismatch { .. })),
            "a signature made with another key must not match: {outcome:?}"
        );
    }

    #[test]
    fn standard_webhooks_rejects_a_tampered_body() {
        let outcome = sw_verify(SW_SECRET, &sw_good_request(), br#"{"test": 2432232315}"#, SW_TIMESTAMP);
        assert!(
            matches!(outcome, Err(SignatureError::Mismatch { .. })),
            "one changed byte in the body must break the signature: {outcome:?}"
        );
    }

    #[test]
    fn standard_webhooks_rejects_a_timestamp_301_seconds_old() {
        let outcome = sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP + 301);
        match outcome {
            Err(SignatureError::TimestampOutsideTolerance {
                offset_seconds: 301,
                skew: Skew::Past,
                tolerance_seconds,
            }) => {
                assert_eq!(tolerance_seconds, 300, "the default tolerance is five minutes")
            }
            other => panic!("a genuine but 301 s old request is a possible replay and must be refused: {other:?}"),
        }
        // Also a freshly signed request whose timestamp is old, with now fixed at the vector's time.
        let signed = sign(&HmacSettings::standard_webhooks(), &secret(SW_SECRET), SW_BODY, SW_TIMESTAMP - 301, SW_ID)
            .expect("the spec's secret is usable");
        let outcome = sw_verify(SW_SECRET, &headers(signed), SW_BODY, SW_TIMESTAMP);
        assert!(
            matches!(outcome, Err(SignatureError::TimestampOutsideTolerance { skew: Skew::Past, .. })),
            "a correctly signed but stale timestamp is refused for its age: {outcome:?}"
        );
    }

    #[test]
    fn standard_webhooks_rejects_a_timestamp_301_seconds_in_the_future() {
        let outcome = sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP - 301);
        assert!(
            matches!(
                outcome,
                Err(SignatureError::TimestampOutsideTolerance { offset_seconds: 301, skew: Skew::Future, .. })
            ),
            "a timestamp too far ahead could be pre-signed for later replay and must be refused: {outcome:?}"
        );
        let signed = sign(&HmacSettings::standard_webhooks(), &secret(SW_SECRET), SW_BODY, SW_TIMESTAMP + 301, SW_ID)
            .expect("the spec's secret is usable");
        let outcome = sw_verify(SW_SECRET, &headers(signed), SW_BODY, SW_TIMESTAMP);
        assert!(
            matches!(outcome, Err(SignatureError::TimestampOutsideTolerance { skew: Skew::Future, .. })),
            "a correctly signed timestamp from the future is refused for its time: {outcome:?}"
        );
    }

    #[test]
    fn standard_webhooks_accepts_a_timestamp_exactly_at_the_tolerance_either_way() {
        for now in [SW_TIMESTAMP - 300, SW_TIMESTAMP + 300] {
            let outcome = sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, now);
            assert!(outcome.is_ok(), "the tolerance is inclusive, so 300 s off is still accepted: {outcome:?}");
        }
    }

    #[test]
    fn standard_webhooks_accepts_a_header_where_only_the_second_of_several_signatures_matches() {
        let request = sw_request(&SW_TIMESTAMP.to_string(), &format!("v1,bogus= {SW_SIGNATURE}"));
        let outcome = sw_verify(SW_SECRET, &request, SW_BODY, SW_TIMESTAMP);
        assert!(outcome.is_ok(), "during a secret rotation any one matching v1 entry is enough: {outcome:?}");
    }

    #[test]
    fn standard_webhooks_ignores_entries_with_other_versions() {
        let good = SW_SIGNATURE.trim_start_matches("v1,");
        let request = sw_request(&SW_TIMESTAMP.to_string(), &format!("v2,{good} v1a,{good}"));
        let outcome = sw_verify(SW_SECRET, &request, SW_BODY, SW_TIMESTAMP);
        assert!(
            matches!(outcome, Err(SignatureError::Malformed { .. })),
            "a correct MAC under another version prefix is not a v1 signature and must not be accepted: {outcome:?}"
        );
        let request = sw_request(&SW_TIMESTAMP.to_string(), &format!("v2,whatever v1a,xyz {SW_SIGNATURE}"));
        let outcome = sw_verify(SW_SECRET, &request, SW_BODY, SW_TIMESTAMP);
        assert!(outcome.is_ok(), "entries of other versions beside a good v1 are skipped, not fatal: {outcome:?}");
    }

    #[test]
    fn standard_webhooks_accepts_a_secret_given_without_the_whsec_prefix() {
        let outcome = sw_verify(SW_SECRET.trim_start_matches("whsec_"), &sw_good_request(), SW_BODY, SW_TIMESTAMP);
        assert!(outcome.is_ok(), "the bare base64 is the same key: {outcome:?}");
    }

    #[test]
    fn standard_webhooks_reports_a_whsec_secret_that_is_not_base64_as_an_unusable_credential() {
        let outcome = sw_verify("whsec_%%canary%%", &sw_good_request(), SW_BODY, SW_TIMESTAMP);
        match outcome {
            Err(error @ SignatureError::InvalidSecret { .. }) => {
                assert_eq!(error.code(), "invalid_credential", "a broken secret is the credential's fault")
            }
            other => panic!("a secret that cannot be decoded must be reported as unusable: {other:?}"),
        }
    }

    #[test]
    fn standard_webhooks_names_each_missing_header() {
        for missing in [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE] {
            let present = [(WEBHOOK_ID, SW_ID.to_string()), (WEBHOOK_TIMESTAMP, SW_TIMESTAMP.to_string())]
                .into_iter()
                .chain([(WEBHOOK_SIGNATURE, SW_SIGNATURE.to_string())])
                .filter(|(name, _)| *name != missing);
            let outcome = sw_verify(SW_SECRET, &headers(present), SW_BODY, SW_TIMESTAMP);
            match outcome {
                Err(SignatureError::MissingHeader { header }) => {
                    assert_eq!(header, missing, "the error names the header the sender forgot")
                }
                other => panic!("a request without {missing} cannot be checked: {other:?}"),
            }
        }
    }

    #[test]
    fn standard_webhooks_rejects_a_non_numeric_timestamp_as_malformed() {
        let outcome = sw_verify(SW_SECRET, &sw_request("2021-02-26T14:22:10Z", SW_SIGNATURE), SW_BODY, SW_TIMESTAMP);
        assert!(
            matches!(&outcome, Err(SignatureError::Malformed { header, .. }) if header == WEBHOOK_TIMESTAMP),
            "the spec's timestamp is unix seconds, nothing else: {outcome:?}"
        );
    }

    #[test]
    fn standard_webhooks_sign_refuses_an_empty_message_id() {
        let outcome = sign(&HmacSettings::standard_webhooks(), &secret(SW_SECRET), SW_BODY, SW_TIMESTAMP, "  ");
        assert!(
            matches!(&outcome, Err(SignatureError::Malformed { header, .. }) if header == WEBHOOK_ID),
            "the message id is part of the signed content, so signing needs one: {outcome:?}"
        );
    }

    // GitHub

    #[test]
    fn github_accepts_the_documented_test_vector() {
        let outcome = github_verify(GITHUB_SECRET, &headers([(GITHUB_HEADER, GITHUB_SIGNATURE)]));
        assert!(outcome.is_ok(), "GitHub's documented example must verify: {outcome:?}");
    }

    #[test]
    fn github_sign_reproduces_the_documented_signature() {
        let signed = sign(&HmacSettings::github(), &secret(GITHUB_SECRET), GITHUB_BODY, 0, "unused")
            .expect("a non-empty secret is usable");
        assert_eq!(
            signed,
            vec![(GITHUB_HEADER.to_string(), GITHUB_SIGNATURE.to_string())],
            "the tester must print what GitHub itself would send"
        );
    }

    #[test]
    fn github_accepts_uppercase_hex() {
        let upper = format!("sha256={}", GITHUB_SIGNATURE.trim_start_matches("sha256=").to_ascii_uppercase());
        let outcome = github_verify(GITHUB_SECRET, &headers([("x-hub-signature-256", upper)]));
        assert!(outcome.is_ok(), "hex case carries no meaning, so uppercase is the same signature: {outcome:?}");
    }

    #[test]
    fn github_rejects_a_wrong_secret() {
        let outcome = github_verify("It's a Secret to Nobody", &headers([(GITHUB_HEADER, GITHUB_SIGNATURE)]));
        assert!(
            matches!(outcome, Err(SignatureError::Mismatch { .. })),
            "a signature made with another secret must not match: {outcome:?}"
        );
    }

    #[test]
    fn github_reports_a_missing_header_by_name() {
        let outcome = github_verify(GITHUB_SECRET, &headers([("X-Hub-Signature", "sha1=0123")]));
        match outcome {
            Err(error @ SignatureError::MissingHeader { .. }) => {
                assert!(
                    error.to_string().contains(GITHUB_HEADER),
                    "the message tells the user which header to look for: {error}"
                );
                assert_eq!(error.code(), "signature_invalid", "a missing header is the request's fault");
            }
            other => panic!("without X-Hub-Signature-256 there is nothing to check: {other:?}"),
        }
    }

    // Stripe

    #[test]
    fn stripe_accepts_what_sign_produces() {
        let signed = sign(&HmacSettings::stripe(), &secret(STRIPE_SECRET), STRIPE_BODY, STRIPE_TIMESTAMP, "unused")
            .expect("a non-empty secret is usable");
        assert_eq!(signed.len(), 1, "Stripe carries everything in one header");
        assert!(
            signed[0].1.starts_with(&format!("t={STRIPE_TIMESTAMP},v1=")),
            "the header starts with the timestamp: {}",
            signed[0].1
        );
        let outcome = stripe_verify(&headers(signed), STRIPE_BODY, STRIPE_TIMESTAMP + 10);
        assert!(outcome.is_ok(), "what the tester signs the listener must accept: {outcome:?}");
    }

    #[test]
    fn stripe_accepts_an_independently_computed_vector_keyed_with_the_whole_whsec_string() {
        let by_hand = stripe_hex_by_hand(STRIPE_TIMESTAMP, STRIPE_BODY);
        // Computed outside Rust with `openssl dgst -sha256 -hmac whsec_test_secret`.
        assert_eq!(
            by_hand, "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a",
            "the hand computation agrees with openssl"
        );
        let request = headers([(STRIPE_HEADER, format!("t={STRIPE_TIMESTAMP},v1={by_hand}"))]);
        let outcome = stripe_verify(&request, STRIPE_BODY, STRIPE_TIMESTAMP);
        assert!(outcome.is_ok(), "Stripe keys with the whsec_ string as-is, without decoding it: {outcome:?}");
    }

    #[test]
    fn stripe_accepts_a_header_where_only_one_of_two_v1_signatures_matches() {
        let good = stripe_hex_by_hand(STRIPE_TIMESTAMP, STRIPE_BODY);
        let wrong = "00".repeat(32);
        let request = headers([(STRIPE_HEADER, format!("t={STRIPE_TIMESTAMP},v1={wrong},v1={good},v0=abc"))]);
        let outcome = stripe_verify(&request, STRIPE_BODY, STRIPE_TIMESTAMP);
        assert!(
            outcome.is_ok(),
            "while a secret rolls Stripe sends one v1 per secret; one match is enough: {outcome:?}"
        );
    }

    #[test]
    fn stripe_rejects_an_old_timestamp() {
        let signed = sign(&HmacSettings::stripe(), &secret(STRIPE_SECRET), STRIPE_BODY, STRIPE_TIMESTAMP, "unused")
            .expect("a non-empty secret is usable");
        let outcome = stripe_verify(&headers(signed), STRIPE_BODY, STRIPE_TIMESTAMP + 301);
        assert!(
            matches!(
                outcome,
                Err(SignatureError::TimestampOutsideTolerance { offset_seconds: 301, skew: Skew::Past, .. })
            ),
            "a correctly signed but stale event is a possible replay: {outcome:?}"
        );
    }

    #[test]
    fn stripe_rejects_a_tampered_body() {
        let good = stripe_hex_by_hand(STRIPE_TIMESTAMP, STRIPE_BODY);
        let request = headers([(STRIPE_HEADER, format!("t={STRIPE_TIMESTAMP},v1={good}"))]);
        let outcome = stripe_verify(&request, br#"{"id":"evt_2"}"#, STRIPE_TIMESTAMP);
        assert!(matches!(outcome, Err(SignatureError::Mismatch { .. })), "another body must not match: {outcome:?}");
    }

    #[test]
    fn stripe_rejects_a_header_without_a_timestamp_or_without_a_v1_signature() {
        let good = stripe_hex_by_hand(STRIPE_TIMESTAMP, STRIPE_BODY);
        for value in [format!("v1={good}"), format!("t={STRIPE_TIMESTAMP},v0={good}")] {
            let outcome = stripe_verify(&headers([(STRIPE_HEADER, value.clone())]), STRIPE_BODY, STRIPE_TIMESTAMP);
            assert!(
                matches!(outcome, Err(SignatureError::Malformed { .. })),
                "both a timestamp and a v1 signature are needed, so {value:?} is malformed: {outcome:?}"
            );
        }
    }

    // Generic

    #[test]
    fn generic_round_trips_every_algorithm_and_encoding_with_and_without_a_prefix() {
        for algorithm in ["sha1", "sha256", "sha512"] {
            for encoding in ["hex", "base64"] {
                for prefix in [None, Some("sha=")] {
                    let settings = generic(algorithm, encoding, prefix);
                    let body = br#"{"event":"ping"}"#;
                    let signed =
                        sign(&settings, &secret(GENERIC_SECRET), body, 0, "unused").expect("the secret is usable");
                    assert_eq!(signed[0].0, "X-Signature", "the configured header carries the signature");
                    assert!(
                        signed[0].1.starts_with(prefix.unwrap_or("")),
                        "the configured prefix comes first: {}",
                        signed[0].1
                    );
                    let outcome = verify(&settings, &secret(GENERIC_SECRET), &headers(signed.clone()), body, 0);
                    assert!(
                        outcome.is_ok(),
                        "{algorithm}/{encoding}/{prefix:?} must verify what it signs: {outcome:?}"
                    );
                    let outcome = verify(&settings, &secret("another secret"), &headers(signed), body, 0);
                    assert!(
                        matches!(outcome, Err(SignatureError::Mismatch { .. })),
                        "{algorithm}/{encoding}/{prefix:?} must refuse another secret: {outcome:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn generic_rejects_a_signature_with_the_wrong_prefix() {
        let settings = generic("sha256", "hex", Some("sha256="));
        let signed = sign(&settings, &secret(GENERIC_SECRET), b"{}", 0, "").expect("the secret is usable");
        let wrong = signed[0].1.replacen("sha256=", "sha1=", 1);
        let outcome = verify(&settings, &secret(GENERIC_SECRET), &headers([("X-Signature", wrong)]), b"{}", 0);
        assert!(
            matches!(outcome, Err(SignatureError::Malformed { .. })),
            "a value without the configured prefix is not in the expected form: {outcome:?}"
        );
    }

    #[test]
    fn generic_reports_a_signature_of_the_wrong_length_as_malformed() {
        // A SHA-1 signature where SHA-256 is configured: the usual cause is a wrong algorithm setting.
        let sha1 = generic("sha1", "hex", None);
        let signed = sign(&sha1, &secret(GENERIC_SECRET), b"{}", 0, "").expect("the secret is usable");
        let outcome = verify(&generic("sha256", "hex", None), &secret(GENERIC_SECRET), &headers(signed), b"{}", 0);
        match outcome {
            Err(error @ SignatureError::Malformed { .. }) => assert!(
                error.to_string().contains("20 bytes") && error.to_string().contains("32"),
                "the message says how long the signature was and should be: {error}"
            ),
            other => panic!("a signature of the wrong length cannot be a MAC of this algorithm: {other:?}"),
        }
    }

    #[test]
    fn generic_rejects_a_signature_that_is_not_valid_hex() {
        let settings = generic("sha256", "hex", None);
        let outcome =
            verify(&settings, &secret(GENERIC_SECRET), &headers([("X-Signature", "zz".repeat(32))]), b"{}", 0);
        assert!(matches!(outcome, Err(SignatureError::Malformed { .. })), "non-hex cannot be decoded: {outcome:?}");
    }

    #[test]
    fn an_empty_secret_is_an_unusable_credential() {
        let outcome =
            verify(&HmacSettings::github(), &secret(""), &headers([(GITHUB_HEADER, GITHUB_SIGNATURE)]), b"", 0);
        assert!(
            matches!(outcome, Err(SignatureError::InvalidSecret { .. })),
            "with an empty key anyone could sign, so it is refused as a credential problem: {outcome:?}"
        );
    }

    // from_fields and signature_headers

    #[test]
    fn from_fields_fills_each_presets_defaults() {
        let github = HmacSettings::from_fields(&fields(json!({"preset": "github"}))).expect("github needs no fields");
        assert_eq!(github, HmacSettings::github(), "github: X-Hub-Signature-256, sha256, hex, prefix sha256=");
        assert_eq!(github.prefix.as_deref(), Some("sha256="), "GitHub prefixes the hex");
        let stripe = HmacSettings::from_fields(&fields(json!({"preset": "stripe"}))).expect("stripe needs no fields");
        assert_eq!(
            (stripe.header.as_str(), stripe.algorithm, stripe.encoding, stripe.prefix.clone()),
            ("Stripe-Signature", Algorithm::Sha256, Encoding::Hex, None),
            "stripe: Stripe-Signature, sha256, hex"
        );
        let sw = HmacSettings::from_fields(&fields(json!({"preset": "standard-webhooks", "toleranceSeconds": 60})))
            .expect("standard-webhooks needs no fields");
        assert_eq!(
            (sw.header.as_str(), sw.algorithm, sw.encoding, sw.tolerance_seconds),
            ("webhook-signature", Algorithm::Sha256, Encoding::Base64, 60),
            "standard-webhooks: webhook-signature, sha256, base64, and the tolerance is the credential's"
        );
        assert_eq!(stripe.tolerance_seconds, 300, "without toleranceSeconds the tolerance is five minutes");
    }

    #[test]
    fn from_fields_treats_a_missing_preset_as_generic_with_sha256_hex_and_no_prefix() {
        let settings = HmacSettings::from_fields(&fields(json!({"header": "X-Signature"}))).expect("header is given");
        assert_eq!(
            settings,
            HmacSettings {
                preset: Preset::Generic,
                algorithm: Algorithm::Sha256,
                header: "X-Signature".into(),
                encoding: Encoding::Hex,
                prefix: None,
                tolerance_seconds: 300
            },
            "generic is the default preset, with sha256, hex and no prefix"
        );
    }

    #[test]
    fn from_fields_lets_generic_override_every_default() {
        let given = json!({"preset": "generic", "header": "X-Sig", "algorithm": "sha512", "encoding": "base64", "prefix": "v=", "toleranceSeconds": "90"});
        let settings = HmacSettings::from_fields(&fields(given)).expect("all fields are valid");
        assert_eq!(
            (settings.algorithm, settings.encoding, settings.prefix.as_deref(), settings.tolerance_seconds),
            (Algorithm::Sha512, Encoding::Base64, Some("v="), 90),
            "explicit generic fields win over the defaults"
        );
    }

    #[test]
    fn from_fields_rejects_an_unknown_preset_naming_the_field_and_listing_the_choices() {
        let error = HmacSettings::from_fields(&fields(json!({"preset": "gitlab"}))).expect_err("gitlab is no preset");
        let message = error.to_string();
        assert!(
            matches!(error, SignatureError::InvalidSetting { field: "preset", .. }),
            "the field is named: {error:?}"
        );
        for choice in ["generic", "github", "stripe", "standard-webhooks"] {
            assert!(message.contains(choice), "the message lists {choice} so the user can pick: {message}");
        }
        assert_eq!(error.code(), "invalid_credential", "settings problems belong to the credential");
    }

    #[test]
    fn from_fields_rejects_an_unknown_algorithm_or_encoding_naming_the_field_and_listing_the_choices() {
        let error = HmacSettings::from_fields(&fields(json!({"header": "X-Sig", "algorithm": "md5"})))
            .expect_err("md5 is not offered");
        assert!(matches!(error, SignatureError::InvalidSetting { field: "algorithm", .. }), "named: {error:?}");
        for choice in ["sha256", "sha1", "sha512"] {
            assert!(error.to_string().contains(choice), "the message lists {choice}: {error}");
        }
        let error = HmacSettings::from_fields(&fields(json!({"header": "X-Sig", "encoding": "base32"})))
            .expect_err("base32 is not offered");
        assert!(matches!(error, SignatureError::InvalidSetting { field: "encoding", .. }), "named: {error:?}");
        assert!(
            error.to_string().contains("hex") && error.to_string().contains("base64"),
            "the message lists the encodings: {error}"
        );
    }

    #[test]
    fn from_fields_requires_a_header_for_generic() {
        for given in [json!({}), json!({"preset": "generic", "header": "  "}), json!({"header": null})] {
            let error = HmacSettings::from_fields(&fields(given.clone())).expect_err("generic has no default header");
            assert!(
                matches!(error, SignatureError::InvalidSetting { field: "header", .. }),
                "{given} lacks the header a generic HMAC needs: {error:?}"
            );
        }
    }

    #[test]
    fn from_fields_rejects_a_header_name_http_cannot_carry() {
        let error = HmacSettings::from_fields(&fields(json!({"header": "X Signature:"}))).expect_err("not a token");
        assert!(matches!(error, SignatureError::InvalidSetting { field: "header", .. }), "named: {error:?}");
    }

    #[test]
    fn from_fields_rejects_a_conflicting_explicit_field_for_a_named_preset_naming_it() {
        let cases = [
            (json!({"preset": "github", "algorithm": "sha1"}), "algorithm"),
            (json!({"preset": "stripe", "encoding": "base64"}), "encoding"),
            (json!({"preset": "standard-webhooks", "header": "X-Signature"}), "header"),
            (json!({"preset": "stripe", "prefix": "v1="}), "prefix"),
        ];
        for (given, field) in cases {
            let error = HmacSettings::from_fields(&fields(given.clone())).expect_err("the preset fixes this field");
            assert!(
                matches!(&error, SignatureError::InvalidSetting { field: named, .. } if *named == field),
                "{given} conflicts with its preset on {field}: {error:?}"
            );
        }
        let agreeing =
            json!({"preset": "github", "algorithm": "sha256", "header": "x-hub-signature-256", "encoding": "hex"});
        assert_eq!(
            HmacSettings::from_fields(&fields(agreeing)).expect("repeating the preset's own values is fine"),
            HmacSettings::github(),
            "explicit values equal to the preset's (header case aside) are not a conflict"
        );
    }

    #[test]
    fn from_fields_rejects_a_negative_or_non_numeric_tolerance() {
        for given in [json!(-1), json!(1.5), json!("soon"), json!(true)] {
            let error = HmacSettings::from_fields(&fields(json!({"preset": "stripe", "toleranceSeconds": given})))
                .expect_err("not a number of seconds");
            assert!(
                matches!(error, SignatureError::InvalidSetting { field: "toleranceSeconds", .. }),
                "{given} is not a tolerance: {error:?}"
            );
        }
    }

    #[test]
    fn signature_headers_name_only_the_headers_that_carry_signatures_in_lowercase() {
        let generic = generic("sha256", "hex", None);
        assert_eq!(generic.signature_headers(), vec!["x-signature"], "generic: the configured header");
        assert_eq!(HmacSettings::github().signature_headers(), vec!["x-hub-signature-256"], "github: its one header");
        assert_eq!(HmacSettings::stripe().signature_headers(), vec!["stripe-signature"], "stripe: its one header");
        assert_eq!(
            HmacSettings::standard_webhooks().signature_headers(),
            vec!["webhook-signature"],
            "standard-webhooks: only the signature; the id and timestamp are not secret"
        );
    }

    // Messages

    fn variant(error: &SignatureError) -> &'static str {
        // Exhaustive on purpose: a new variant must be added to the leak test below before this compiles.
        match error {
            SignatureError::MissingHeader { .. } => "MissingHeader",
            SignatureError::Malformed { .. } => "Malformed",
            SignatureError::Mismatch { .. } => "Mismatch",
            SignatureError::TimestampOutsideTolerance { .. } => "TimestampOutsideTolerance",
            SignatureError::InvalidSecret { .. } => "InvalidSecret",
            SignatureError::InvalidSetting { .. } => "InvalidSetting",
        }
    }

    #[test]
    fn no_error_message_contains_the_secret_or_the_expected_signature() {
        let sw_good = SW_SIGNATURE.trim_start_matches("v1,");
        let sw_key = SW_SECRET.trim_start_matches("whsec_");
        let other = other_whsec();
        // What verify expected in the wrong-secret cases, computed the way the module does.
        let sw_expected_under_other =
            sign(&HmacSettings::standard_webhooks(), &secret(&other), SW_BODY, SW_TIMESTAMP, SW_ID).unwrap()[2]
                .1
                .clone();
        let github_expected_under_wrong =
            sign(&HmacSettings::github(), &secret("It's a Secret to Nobody"), GITHUB_BODY, 0, "").unwrap()[0].1.clone();
        let stripe_good = stripe_hex_by_hand(STRIPE_TIMESTAMP, STRIPE_BODY);

        let mut errors: Vec<(SignatureError, Vec<String>)> = Vec::new();
        let mut expect_err = |outcome: Result<(), SignatureError>, forbidden: &[&str]| {
            let error = outcome.expect_err("each case here is a failure");
            errors.push((error, forbidden.iter().map(|s| s.to_string()).collect()));
        };
        let sw_forbidden = [SW_SECRET, sw_key, sw_good, other.as_str(), sw_expected_under_other.as_str()];
        expect_err(sw_verify(&other, &sw_good_request(), SW_BODY, SW_TIMESTAMP), &sw_forbidden);
        expect_err(sw_verify(SW_SECRET, &sw_good_request(), b"tampered", SW_TIMESTAMP), &sw_forbidden);
        expect_err(sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP + 301), &sw_forbidden);
        expect_err(sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP - 301), &sw_forbidden);
        expect_err(sw_verify(SW_SECRET, &sw_request("soon", SW_SIGNATURE), SW_BODY, SW_TIMESTAMP), &sw_forbidden);
        expect_err(sw_verify(SW_SECRET, &headers([(WEBHOOK_ID, SW_ID)]), SW_BODY, SW_TIMESTAMP), &sw_forbidden);
        expect_err(
            sw_verify("whsec_%%canary%%", &sw_good_request(), SW_BODY, SW_TIMESTAMP),
            &["whsec_%%canary%%", "%%canary%%", "canary"],
        );
        let github_forbidden = [GITHUB_SECRET, "It's a Secret to Nobody", github_expected_under_wrong.as_str()];
        expect_err(
            github_verify("It's a Secret to Nobody", &headers([(GITHUB_HEADER, GITHUB_SIGNATURE)])),
            &github_forbidden,
        );
        expect_err(github_verify(GITHUB_SECRET, &headers([("X-Other", "x")])), &github_forbidden);
        let stripe_forbidden = [STRIPE_SECRET, stripe_good.as_str()];
        expect_err(
            stripe_verify(
                &headers([(STRIPE_HEADER, format!("t={STRIPE_TIMESTAMP},v1={stripe_good}"))]),
                b"x",
                STRIPE_TIMESTAMP,
            ),
            &stripe_forbidden,
        );
        expect_err(
            stripe_verify(
                &headers([(STRIPE_HEADER, format!("t={STRIPE_TIMESTAMP},v1={stripe_good}"))]),
                STRIPE_BODY,
                0,
            ),
            &stripe_forbidden,
        );
        expect_err(
            stripe_verify(&headers([(STRIPE_HEADER, format!("v1={stripe_good}"))]), STRIPE_BODY, 0),
            &stripe_forbidden,
        );
        let settings = generic("sha512", "base64", Some("sha="));
        expect_err(
            verify(&settings, &secret(GENERIC_SECRET), &headers([("X-Signature", "sha1=abc")]), b"{}", 0),
            &[GENERIC_SECRET],
        );
        expect_err(
            verify(&HmacSettings::github(), &secret(""), &headers([(GITHUB_HEADER, GITHUB_SIGNATURE)]), b"", 0),
            &[GITHUB_SIGNATURE],
        );
        for given in [json!({"preset": "gitlab"}), json!({"header": "X-Sig", "algorithm": "md5"}), json!({})] {
            expect_err(HmacSettings::from_fields(&fields(given)).map(|_| ()), &[GENERIC_SECRET, SW_SECRET]);
        }

        for (error, forbidden) in &errors {
            for shown in [error.to_string(), format!("{error:?}")] {
                for secret_text in forbidden {
                    assert!(!shown.contains(secret_text.as_str()), "{shown:?} must not reveal {secret_text:?}");
                }
            }
        }
        let mut seen: Vec<&str> = errors.iter().map(|(error, _)| variant(error)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            ["InvalidSecret", "InvalidSetting", "Malformed", "Mismatch", "MissingHeader", "TimestampOutsideTolerance"],
            "every variant is checked for leaks"
        );
    }

    #[test]
    fn error_codes_separate_request_failures_from_credential_problems() {
        let request_side = [
            SignatureError::MissingHeader { header: "x".into() },
            SignatureError::Malformed { header: "x".into(), reason: "y".into() },
            SignatureError::Mismatch { header: "x".into() },
            SignatureError::TimestampOutsideTolerance { offset_seconds: 1, skew: Skew::Past, tolerance_seconds: 0 },
        ];
        for error in &request_side {
            assert_eq!(error.code(), "signature_invalid", "{error} is about the request, not the credential");
        }
        let credential_side = [
            SignatureError::InvalidSecret { reason: "x" },
            SignatureError::InvalidSetting { field: "x", reason: "y".into() },
        ];
        for error in &credential_side {
            assert_eq!(error.code(), "invalid_credential", "{error} is fixed by editing the credential");
        }
    }

    #[test]
    fn the_timestamp_message_says_how_far_off_and_the_tolerance() {
        let error = sw_verify(SW_SECRET, &sw_good_request(), SW_BODY, SW_TIMESTAMP + 301).expect_err("too old");
        assert_eq!(
            error.to_string(),
            "the signature timestamp is 301 s in the past, outside the tolerance of 300 s",
            "the user can tell a replay or a skewed clock from the numbers"
        );
    }
}
