//! Logging and tracing.
//!
//! Logs: one JSON object per line by default (timestamp, level, message, and the
//! request span's `request_id`, `method`, `path`, and `user_id`, `session_id`,
//! `video_id` once known), or readable lines with `log.format = "pretty"`. `RUST_LOG`
//! wins over `log.level`.
//!
//! Traces: when `telemetry.otlp_endpoint` is set, spans (each request, with the same
//! fields as attributes) are exported with OTLP/HTTP (JSON) in batches from a thread of
//! their own, so a slow collector never delays a request. The returned [`Telemetry`]
//! flushes what is pending when dropped.

use crate::config::{LogFormat, LogSettings, TelemetrySettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the trace exporter alive; dropping it flushes pending spans.
#[must_use = "dropping it stops and flushes the trace exporter"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("homestream: flushing traces failed: {e}");
            }
        }
    }
}

/// Installs the global subscriber. Calling it twice (tests) keeps the first one.
pub fn init(log: &LogSettings, telemetry: &TelemetrySettings) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = match log.format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => fmt.compact().boxed(),
    };
    let (provider, otel) = match exporter(telemetry) {
        Ok(Some(provider)) => {
            let tracer = provider.tracer("homestream");
            let layer = tracing_opentelemetry::layer().with_tracer(tracer);
            (Some(provider), Some(layer))
        }
        Ok(None) => (None, None),
        Err(e) => {
            eprintln!("homestream: telemetry.otlp_endpoint: {e}; traces are not exported");
            (None, None)
        }
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
    Telemetry { provider }
}

fn exporter(settings: &TelemetrySettings) -> anyhow::Result<Option<SdkTracerProvider>> {
    let endpoint = settings.otlp_endpoint.trim_end_matches('/');
    if endpoint.is_empty() {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(format!("{endpoint}/v1/traces"))
        .build()?;
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    ))
}
