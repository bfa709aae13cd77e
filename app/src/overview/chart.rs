//! (ssr) The sign-in chart as SVG markup, drawn on the server: one stacked bar per hour
//! (successful sign-ins below, failed above) with a line and a label at each day's start.
//! Only numbers and fixed words go into the markup, so it needs no escaping.

use super::SignInChart;
use std::fmt::Write;

const BAR: i64 = 4;
const PLOT_HEIGHT: i64 = 100;
const TOP: i64 = 14;
const LABELS: i64 = 18;
pub const SUCCEEDED_COLOUR: &str = "#2563eb";
pub const FAILED_COLOUR: &str = "#dc2626";

/// The chart; it is decorative (`aria-hidden`): the page's table carries the same numbers.
pub fn svg(chart: &SignInChart) -> String {
    let width = BAR * chart.hours.len() as i64;
    let height = TOP + PLOT_HEIGHT + LABELS;
    let peak = chart
        .hours
        .iter()
        .map(|h| h.succeeded + h.failed)
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| (n * PLOT_HEIGHT + peak - 1) / peak;
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="sign-in-chart" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="none" aria-hidden="true" focusable="false">"#
    );
    let base = TOP + PLOT_HEIGHT;
    let _ = write!(
        out,
        r##"<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#9ca3af" stroke-width="1"/><text x="0" y="10" font-size="9" fill="#6b7280">{peak} per hour</text>"##
    );
    for (i, hour) in chart.hours.iter().enumerate() {
        let x = i as i64 * BAR;
        let start = chart.first_hour + i as i64 * 3600;
        if start.rem_euclid(86_400) == 0 {
            let (_, month, day, _) = crate::ui::civil_utc(start);
            let _ = write!(
                out,
                r##"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{base}" stroke="#e5e7eb" stroke-width="1"/><text x="{}" y="{}" font-size="9" fill="#6b7280">{month:02}-{day:02}</text>"##,
                x + 1,
                base + 12
            );
        }
        let ok = scale(hour.succeeded);
        let failed = scale(hour.failed);
        if ok > 0 {
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{}" width="{}" height="{ok}" fill="{SUCCEEDED_COLOUR}"/>"#,
                base - ok,
                BAR - 1
            );
        }
        if failed > 0 {
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{}" width="{}" height="{failed}" fill="{FAILED_COLOUR}"/>"#,
                base - ok - failed,
                BAR - 1
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overview::HourCount;

    #[test]
    fn bars_scale_to_the_busiest_hour_and_days_are_marked() {
        let mut hours = vec![HourCount::default(); 48];
        hours[3] = HourCount {
            succeeded: 10,
            failed: 0,
        };
        hours[30] = HourCount {
            succeeded: 5,
            failed: 5,
        };
        let chart = SignInChart {
            first_hour: 86_400 * 20_000 - 3600 * 24,
            hours,
        };
        let svg = svg(&chart);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r##"height="100" fill="#2563eb""##),
            "the busiest hour fills the plot"
        );
        assert_eq!(svg.matches(FAILED_COLOUR).count(), 1);
        assert_eq!(svg.matches("<text").count(), 3, "the scale and two day starts");
        assert!(svg.contains("10 per hour"));
    }
}
