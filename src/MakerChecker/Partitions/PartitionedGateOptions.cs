using MakerChecker.Audit.Payloads;
using Microsoft.Extensions.Logging;

namespace MakerChecker.Partitions;

/// <summary>Options of a <see cref="PartitionedGate"/>: the partition key and what each chain's <see cref="Gates.ApprovalGate"/> is built with.</summary>
public sealed class PartitionedGateOptions
{
    /// <summary>
    /// Maps a requester principal's id to its partition key (for example its tenant). Must be a pure function of the id
    /// and stay the same for the life of the log: every invocation by one principal must land on one chain, or its limits
    /// would be counted on several.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the principal id itself is the key.</value>
    public Func<string, string>? PartitionKey { get; set; }

    /// <summary>The clock for decisions, dwell, limits and expiry, shared by every chain's gate.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the gates' log messages go.</summary>
    /// <value>The default value is <see langword="null"/>: nothing is written.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Draws uniformly from [0, 1) for sampled gates; must be thread-safe.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="Random.Shared"/>.</value>
    public Func<double>? SampleSource { get; set; }

    /// <summary>The case store every chain's gate writes request payloads to (see <see cref="Gates.ApprovalGate.PayloadStore"/>).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IRequestPayloadStore? PayloadStore { get; set; }
}
