namespace MakerChecker.Reporting;

/// <summary>
/// The stylesheet inlined into <see cref="ReviewHtmlReport"/>'s page, kept apart from the markup so that each file stays small.
/// </summary>
internal static class ReviewHtmlStyle
{
    /// <summary>The font stack of the page body.</summary>
    private const string BodyFont = "15px/1.5 system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif";

    /// <summary>The small-capitals look of table headings and badges.</summary>
    private const string Caps = "text-transform: uppercase; letter-spacing: .04em;";

    /// <summary>The stylesheet, byte for byte as the page carries it.</summary>
    internal const string Css = $$"""

        :root { --ink: #1c2430; --muted: #5b6675; --line: #d9dee5; --paper: #ffffff; --wash: #f4f6f9; --accent: #2f5d8a;
                --high: #b42318; --high-wash: #fdecea; --warn: #a15c07; --warn-wash: #fff4e0; --ok: #1f7a4d; --ok-wash: #e8f5ee; --info: #2f5d8a; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--wash); color: var(--ink); font: {{BodyFont}}; }
        main { max-width: 1120px; margin: 0 auto; padding: 32px 28px 48px; }
        header, section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 22px 26px; margin-bottom: 20px; }
        .eyebrow { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 12px; }
        h1 { margin: 4px 0 16px; font-size: 28px; }
        h2 { margin: 0 0 12px; font-size: 20px; }
        .verdict { padding: 12px 16px; border-radius: 8px; margin-bottom: 16px; overflow-wrap: anywhere; }
        .verdict.ok { background: var(--ok-wash); border-left: 5px solid var(--ok); }
        .verdict.bad { background: var(--high-wash); border: 2px solid var(--high); color: var(--high); font-size: 17px; }
        .facts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px 24px; margin: 0; }
        .facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px; }
        .card { border-radius: 8px; padding: 14px 16px; border: 1px solid var(--line); display: flex; flex-direction: column; }
        .card .figure { font-size: 30px; font-weight: 700; line-height: 1.1; }
        .card.high { background: var(--high-wash); border-color: var(--high); color: var(--high); }
        .card.warning { background: var(--warn-wash); border-color: var(--warn); color: var(--warn); }
        .card.ok { background: var(--ok-wash); border-color: var(--ok); color: var(--ok); }
        .worst { margin: 16px 0 0; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; {{Caps}} border-bottom: 2px solid var(--line); padding: 6px 8px; }
        td { border-bottom: 1px solid var(--line); padding: 6px 8px; overflow-wrap: anywhere; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.alarm, li.alarm { color: var(--high); font-weight: 600; }
        a { color: var(--accent); }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; {{Caps}} vertical-align: middle; }
        .badge.high { background: var(--high); color: #fff; }
        .badge.warning { background: var(--warn); color: #fff; }
        .badge.info { background: var(--info); color: #fff; }
        .badge.ok { background: var(--ok); color: #fff; }
        .badge.none { background: var(--wash); color: var(--muted); border: 1px solid var(--line); }
        .lede { color: var(--muted); margin-top: -4px; }
        .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; margin: 12px 0 8px; }
        figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        figcaption { font-weight: 600; font-size: 13px; color: var(--muted); margin-bottom: 4px; }
        svg.chart { width: 100%; height: auto; display: block; }
        svg .bar { fill: #7f9bb8; }
        svg .bar.fast { fill: var(--high); }
        svg .axis { stroke: #8a94a3; stroke-width: 1; }
        svg .grid { stroke: var(--line); stroke-dasharray: 2 3; }
        svg .threshold { stroke: var(--high); stroke-width: 1.5; stroke-dasharray: 5 4; }
        svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
        svg .label { text-anchor: middle; }
        svg .label.start { text-anchor: start; }
        svg .label.end { text-anchor: end; }
        svg .value { text-anchor: middle; fill: var(--ink); font-weight: 600; }
        svg .threshold-label { fill: var(--high); font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
        .finding { border-left: 5px solid var(--info); background: var(--wash); border-radius: 6px; padding: 10px 14px; margin-top: 12px; }
        .finding.high { border-color: var(--high); background: var(--high-wash); }
        .finding.warning { border-color: var(--warn); background: var(--warn-wash); }
        .finding p { margin: 0 0 4px; }
        .thresholds { color: var(--muted); font-size: 13px; }
        details summary { cursor: pointer; color: var(--accent); font-size: 13px; }
        table.evidence { margin-top: 6px; background: var(--paper); }
        .limits { background: #fbfaf5; }
        footer { color: var(--muted); font-size: 12px; text-align: center; }
        @media print { body { background: #fff; } header, section { break-inside: avoid-page; } details { display: block; } }
        """;
}
