namespace MakerChecker.OpenTelemetry;

/// <summary>
/// The names MakerChecker's telemetry is published under, for hosts that subscribe by name rather than through
/// <c>AddMakerCheckerInstrumentation()</c>.
/// </summary>
public static class MakerCheckerTelemetry
{
    /// <summary>
    /// The meter every gate creates (<c>makerchecker.decisions</c>, <c>makerchecker.signoffs</c>,
    /// <c>makerchecker.signoff.dwell</c>, <c>makerchecker.review.findings</c>, <c>makerchecker.requests.open</c>).
    /// </summary>
    public const string MeterName = "MakerChecker";

    /// <summary>
    /// The activity source of the gate's spans (<c>makerchecker.invoke</c>, <c>makerchecker.execute</c>, …) and of the
    /// integrations' <c>makerchecker.tool_call</c> spans around them.
    /// </summary>
    public const string ActivitySourceName = "MakerChecker";
}
