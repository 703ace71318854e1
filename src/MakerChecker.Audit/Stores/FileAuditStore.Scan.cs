using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Stores;

// The opening scan: verifies the file from its start and judges the bytes after its last line break (docs/stores.md, "Recovery").
public sealed partial class FileAuditStore
{
    /// <summary>Verifies the file from the start through the shared chain checker.</summary>
    private static async Task<ScanResult> ScanAsync(FileStream log, string path, CancellationToken cancellationToken)
    {
        log.Position = 0;
        using var parser = new EventRowParser();
        ChainChecker? checker = null;
        string? instanceId = null;
        AuditVerdict? failure = null;
        long validLength = 0, count = 0;
        var tail = new JsonLinesTail();
        try
        {
            await foreach (var line in JsonLines.ReadAsync(log, log.Length, tail, cancellationToken).ConfigureAwait(false))
            {
                count++;
                validLength = line.EndOffset;
                if (failure is not null)
                {
                    continue;
                }

                var (row, error) = TryParse(parser, line.Bytes, $"line {count}", count);
                if (error is not null)
                {
                    failure = error;
                    continue;
                }

                if (checker is null)
                {
                    instanceId = row.GenesisInstanceId;
                    if (instanceId is null)
                    {
                        failure = AuditVerdict.Fail(
                            AuditReasonCodes.GenesisMismatch, $"'{path}' line 1 is not an audit.genesis event with an instanceId", row.Seq);
                        continue;
                    }

                    checker = ChainChecker.ForFullLog(instanceId);
                }

                checker.Add(row);
            }

            var verdict = failure ?? checker?.HashFailure ?? checker?.LinkFailure
                ?? (count == 0 ? AuditVerdict.Fail(AuditReasonCodes.MalformedJson, $"'{path}' holds no complete line") : null)
                ?? new AuditVerdict { IsValid = true, EventCount = count };
            var tailRefusal = tail.Bytes.Length == 0 ? null : TornRow.WhyNotTorn(tail.Bytes, tail.Offset, (checker?.LastSeq ?? 0) + 1);
            return new ScanResult(verdict with { EventCount = count }, instanceId, count, checker?.LastSeq ?? 0,
                checker?.Head ?? default, validLength, tailRefusal is null ? tail.Bytes.Length : 0, tailRefusal);
        }
        catch (AuditStoreException ex)
        {
            throw new AuditStoreException($"The audit log '{path}' is not opened, and nothing in it was changed. {ex.Message}", ex);
        }
        finally
        {
            checker?.Dispose();
        }
    }

    private static (ParsedRow Row, AuditVerdict? Error) TryParse(EventRowParser parser, ReadOnlyMemory<byte> line, string where, long? number = null)
    {
        try
        {
            return (parser.Parse(line.Span), null);
        }
        catch (CanonicalJsonException ex)
        {
            return (default, AuditVerdict.Fail(ex.ReasonCode, $"{where}: {ex.Message}", number));
        }
    }

    private sealed record ScanResult(AuditVerdict Verdict, string? InstanceId, long Count, long LastSeq, Hash32 Head, long ValidLength,
        long IncompleteTailBytes, string? TailRefusal)
    {
        /// <summary>How many bytes of the file the scan read.</summary>
        public long BytesRead { get; init; }
    }
}
