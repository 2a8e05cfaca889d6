//! Exports for spreadsheet users, as CSV (see `domain::csv`): the complaint list with the
//! list's filters, streamed row by row from one database snapshot, and each dashboard
//! table. Each export is audited (who, what was asked, how many rows) before a byte of it
//! is sent.

use aduan_api::account::AuditAction;
use aduan_api::analytics::{Dashboard, DashboardExportQuery, DashboardQuery, DashboardTable};
use aduan_api::taxonomy;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::access::{ClientMeta, Routes, OFFICERS};
use super::complaints::{export_filter, ListQuery};
use super::{ApiError, ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::complaints::Visibility;
use crate::db::export::{self, ExportRow};
use crate::domain::csv;

pub fn routes() -> Routes {
    Routes::default()
        .add(Method::GET, "/complaints/export", OFFICERS, get(complaints))
        .add(
            Method::GET,
            "/analytics/dashboard/export",
            OFFICERS,
            get(dashboard),
        )
}

/// Rows handed from the database reader to the response at a time: enough to keep the
/// reader ahead of a fast client, few enough that memory stays flat for any export.
const ROWS_IN_FLIGHT: usize = 256;
/// Rows written into one chunk of the response.
const ROWS_PER_CHUNK: usize = 64;

const COMPLAINT_COLUMNS: [&str; 11] = [
    "Reference",
    "Received (MYT)",
    "Channel",
    "Status",
    "Needs review",
    "Anonymous",
    "Category",
    "Sector",
    "State",
    "Acts",
    "Description",
];

/// The complaint list as CSV (UTF-8 with BOM, Malaysian dates), every complaint the same
/// filters as `GET /api/v1/complaints` match, newest first; `limit` and `cursor` do not
/// apply. The complainant's identity is not included.
#[utoipa::path(get, path = "/api/v1/complaints/export", operation_id = "export_complaints", tag = "complaints",
    params(ListQuery),
    responses((status = 200, content_type = "text/csv", description = "The matching complaints, one per row"),
        (status = 400, body = aduan_api::error::ErrorBody)))]
pub async fn complaints(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    RawQuery(raw): RawQuery,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = query?;
    let filter = export_filter(q)?;
    let vis = Visibility::for_user(&user);
    let mut tx = state.pool.begin().await?;
    export::begin_snapshot(&mut tx).await?;
    let rows = export::count(&mut tx, &filter, &vis).await?;
    let details = serde_json::json!({ "query": raw.unwrap_or_default(), "rows": rows });
    state
        .services
        .record_export(&meta.caller(&user), AuditAction::ComplaintExport, details)
        .await?;

    let (send, receive) = tokio::sync::mpsc::channel::<ExportRow>(ROWS_IN_FLIGHT);
    let (done, outcome) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        // Read-only: the transaction ends with it, nothing to commit.
        let result = export::send_rows(&mut tx, &filter, &vis, send).await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "a complaint export failed part way");
        }
        let _ = done.send(result.is_ok());
    });
    let mut head = String::from(csv::BOM);
    csv::record(&mut head, &COMPLAINT_COLUMNS);
    let rows = ReceiverStream::new(receive)
        .ready_chunks(ROWS_PER_CHUNK)
        .map(|rows| Ok(Bytes::from(complaint_records(&rows))));
    // A failure part way ends the response without its last chunk, so the client sees
    // a broken download rather than a file that looks complete.
    let end = futures::stream::once(outcome).filter_map(|ok| async move {
        match ok {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other("the export failed part way"))),
        }
    });
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
        .chain(rows)
        .chain(end);
    let name = format!(
        "aduan-complaints-{}.csv",
        chrono::Utc::now()
            .with_timezone(&crate::domain::time::offset())
            .format("%Y%m%d-%H%M")
    );
    Ok(csv_response(&name, Body::from_stream(body)))
}

fn complaint_records(rows: &[ExportRow]) -> String {
    let mut out = String::with_capacity(rows.len() * 512);
    for r in rows {
        let acts = r.acts.as_deref().unwrap_or_default().join("; ");
        csv::record(
            &mut out,
            &[
                r.reference.as_str(),
                &csv::date_time(r.created_at),
                &r.channel,
                &r.status,
                yes_no(r.needs_review),
                yes_no(r.anonymous),
                r.category.as_deref().unwrap_or(""),
                r.sector.as_deref().unwrap_or(""),
                r.state.as_deref().unwrap_or(""),
                &acts,
                &r.description,
            ],
        );
    }
    out
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// One table of the dashboard as CSV, over the same range as the dashboard (default: the
/// last 30 days), from the latest figures.
#[utoipa::path(get, path = "/api/v1/analytics/dashboard/export", operation_id = "export_dashboard_table", tag = "analytics",
    params(DashboardExportQuery),
    responses((status = 200, content_type = "text/csv", description = "The table, one row per value"),
        (status = 400, body = aduan_api::error::ErrorBody),
        (status = 422, body = aduan_api::error::ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    query: Result<Query<DashboardExportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = query?;
    let asked = DashboardQuery {
        from: q.from,
        to: q.to,
    };
    let range = super::analytics::resolve(asked, crate::domain::time::today())?;
    let figures = crate::db::analytics::dashboard(&state.pool, range)
        .await
        .map_err(ApiError::from)?;
    let (columns, rows) = table(&figures, q.table);
    let table_name = serde_json::to_value(q.table).map_err(ApiError::internal)?;
    let details = serde_json::json!({
        "table": table_name, "from": range.from, "to": range.to, "rows": rows.len(),
    });
    state
        .services
        .record_export(&meta.caller(&user), AuditAction::DashboardExport, details)
        .await?;
    let mut out = String::from(csv::BOM);
    csv::record(&mut out, &columns);
    for row in &rows {
        csv::record(&mut out, row);
    }
    let name = format!(
        "aduan-dashboard-{}-{}-{}.csv",
        table_name.as_str().unwrap_or("table"),
        range.from,
        range.to
    );
    Ok(csv_response(&name, Body::from(out)))
}

/// The columns and rows of one table: codes with their Malay and English labels where the
/// taxonomy has them, so a spreadsheet reads without the code list.
fn table(d: &Dashboard, which: DashboardTable) -> (Vec<&'static str>, Vec<Vec<String>>) {
    const LABELS: [&str; 2] = ["Label (BM)", "Label (EN)"];
    let labelled = |counts: &[aduan_api::analytics::KeyCount],
                    heads: [&'static str; 2],
                    label: &dyn Fn(&str) -> Option<(String, String)>| {
        let rows = counts
            .iter()
            .map(|k| {
                let (ms, en) = label(&k.key).unwrap_or_default();
                vec![k.key.clone(), ms, en, k.count.to_string()]
            })
            .collect();
        (vec!["Code", heads[0], heads[1], "Complaints"], rows)
    };
    let plain = |counts: &[aduan_api::analytics::KeyCount], column: &'static str| {
        let rows = counts
            .iter()
            .map(|k| vec![k.key.clone(), k.count.to_string()])
            .collect();
        (vec![column, "Complaints"], rows)
    };
    match which {
        DashboardTable::PerDay => {
            let rows = d
                .per_day
                .iter()
                .map(|day| {
                    vec![
                        csv::date(day.day),
                        day.received.to_string(),
                        day.enriched.to_string(),
                        day.failed.to_string(),
                    ]
                })
                .collect();
            (vec!["Day", "Received", "Enriched", "Failed"], rows)
        }
        DashboardTable::Status => plain(&d.by_status, "Status"),
        DashboardTable::Channel => plain(&d.by_channel, "Channel"),
        DashboardTable::State => plain(&d.by_state, "State"),
        DashboardTable::Category => labelled(&d.by_category, LABELS, &|code| {
            taxonomy::category(code).map(|c| (c.label_ms.to_string(), c.label_en.to_string()))
        }),
        DashboardTable::Sector => labelled(&d.by_sector, LABELS, &|code| {
            taxonomy::SECTORS
                .iter()
                .find(|s| s.code == code)
                .map(|s| (s.label_ms.to_string(), s.label_en.to_string()))
        }),
        DashboardTable::Act => labelled(&d.by_act, ["Act", "Short name"], &|code| {
            taxonomy::act(code).map(|a| (a.name.to_string(), a.short_name.to_string()))
        }),
    }
}

fn csv_response(file_name: &str, body: Body) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
