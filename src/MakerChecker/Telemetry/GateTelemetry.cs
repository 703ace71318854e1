using System.Diagnostics;
using System.Diagnostics.Metrics;
using MakerChecker.Decisions;

namespace MakerChecker.Telemetry;

/// <summary>
/// The gate's metrics and tracing. One <see cref="Meter"/> per gate: from the host's <see cref="IMeterFactory"/> when DI
/// provides one (the factory owns and disposes it), otherwise created here and disposed with the gate. Nothing is
/// static but the activity source's name.
/// </summary>
internal sealed class GateTelemetry : IDisposable
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "MakerChecker";

    public static readonly ActivitySource Activities = new(Name);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _signOffs;
    private readonly Histogram<double> _dwell;
    private readonly Counter<long> _reviewFindings;

    public GateTelemetry(Func<int> openRequests, IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _decisions = _meter.CreateCounter<long>("makerchecker.decisions", "{decision}", "Decisions on invocations and executions, by outcome and reason code.");
        _signOffs = _meter.CreateCounter<long>(
            "makerchecker.signoffs", "{signoff}", "Sign-offs, by verdict and reason code (signed_off or the refusal's code).");
        _dwell = _meter.CreateHistogram<double>("makerchecker.signoff.dwell", "ms", "Time from presentation to accepted sign-off.");
        _reviewFindings = _meter.CreateCounter<long>(
            "makerchecker.review.findings", "{finding}", "Rubber-stamp alerts from the review monitor, by reviewer, kind and severity.");
        _meter.CreateObservableGauge(
            "makerchecker.requests.open", openRequests, "{request}", "Requests pending or approved, not yet expired, executed or rejected.");
    }

    public Meter Meter => _meter;

    public void Decision(DecisionOutcome outcome, string reasonCode) =>
        _decisions.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeName(outcome)), new KeyValuePair<string, object?>("reason", reasonCode));

    public void SignOff(bool approve, string reasonCode, double? dwellMs)
    {
        _signOffs.Add(1, new KeyValuePair<string, object?>("verdict", approve ? "approve" : "reject"), new KeyValuePair<string, object?>("reason", reasonCode));
        if (dwellMs is { } ms) _dwell.Record(ms, new KeyValuePair<string, object?>("verdict", approve ? "approve" : "reject"));
    }

    public void ReviewFinding(string reviewerId, string kind, string severity) =>
        _reviewFindings.Add(1, new KeyValuePair<string, object?>("reviewer", reviewerId), new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("severity", severity));

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }

    private static string OutcomeName(DecisionOutcome outcome) => outcome switch
    {
        DecisionOutcome.Allowed => "allowed",
        DecisionOutcome.ApprovalRequired => "approval_required",
        DecisionOutcome.Presented => "presented",
        DecisionOutcome.SignedOff => "signed_off",
        DecisionOutcome.Rejected => "rejected",
        DecisionOutcome.Executed => "executed",
        _ => "refused",
    };
}
