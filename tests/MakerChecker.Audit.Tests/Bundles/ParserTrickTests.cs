using System.Text;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>Inputs two JSON parsers could read differently are refused with their own code, never resolved silently.</summary>
public class ParserTrickTests
{
    private static readonly string Valid = File.ReadAllText(Vectors.Audit("valid-full.json"));

    private static async Task<AuditVerdict> VerifyAsync(byte[] bundle)
    {
        using var stream = new MemoryStream(bundle);
        var verdict = await BundleVerifier.VerifyAsync(stream);
        ReferenceAgreement.AssertSame(ReferenceBundleVerifier.Verify(bundle), verdict);
        return verdict;
    }

    private static Task<AuditVerdict> VerifyAsync(string bundle) => VerifyAsync(Encoding.UTF8.GetBytes(bundle));

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_unchanged_vector_is_valid() => Assert.True((await VerifyAsync(Valid)).IsValid);

    [Fact]
    public async Task A_byte_order_mark_is_refused_by_name()
    {
        var verdict = await VerifyAsync([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Valid)]);
        Assert.False(verdict.IsValid);
        Assert.Contains("UTF-8 byte order mark (bytes EF BB BF)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_key_in_a_payload_is_refused()
    {
        var verdict = await VerifyAsync(Replace("\"flow\": \"pv-icsr-processing\"", "\"flow\": \"pv-icsr-processing\", \"flow\": \"other\""));
        Assert.Equal(AuditReasonCodes.DuplicateKey, verdict.ReasonCode);
        Assert.Equal(2, verdict.FailedSeq);
    }

    [Fact]
    public async Task A_duplicate_key_in_a_row_is_refused()
    {
        var verdict = await VerifyAsync(Replace("\"event_type\": \"run.started\",", "\"event_type\": \"run.started\", \"event_type\": \"run.started\","));
        Assert.Equal(AuditReasonCodes.DuplicateKey, verdict.ReasonCode);
    }

    [Fact]
    public async Task A_duplicate_manifest_key_is_refused()
    {
        var verdict = await VerifyAsync(Replace("\"count\": 8,", "\"count\": 8, \"count\": 8,"));
        Assert.Equal(AuditReasonCodes.DuplicateKey, verdict.ReasonCode);
    }

    [Fact]
    public async Task Data_after_the_bundle_is_refused()
    {
        Assert.True((await VerifyAsync(Valid + "\n\n")).IsValid, "trailing whitespace is allowed");
        Assert.Equal(AuditReasonCodes.TrailingData, (await VerifyAsync(Valid + "{}")).ReasonCode);
    }

    [Fact]
    public async Task Invalid_utf8_is_refused()
    {
        var bytes = Encoding.UTF8.GetBytes(Replace("pv-icsr-processing", "pv-icsr-processinX"));
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xFF;
        Assert.Equal(AuditReasonCodes.InvalidUtf8, (await VerifyAsync(bytes)).ReasonCode);
    }

    [Fact]
    public async Task A_number_beyond_double_precision_is_refused()
    {
        var verdict = await VerifyAsync(Replace("\"tokens\": 412", "\"tokens\": 412000000000000000001"));
        Assert.Equal(AuditReasonCodes.AmbiguousNumber, verdict.ReasonCode);
    }

    [Fact]
    public async Task Events_before_the_manifest_are_refused_rather_than_buffered()
    {
        var manifestStart = Valid.IndexOf("\"manifest\"", StringComparison.Ordinal);
        var eventsStart = Valid.IndexOf("\"events\"", StringComparison.Ordinal);
        var manifest = Valid[manifestStart..eventsStart].TrimEnd().TrimEnd(',');
        var events = Valid[eventsStart..Valid.LastIndexOf('}')].TrimEnd();
        var verdict = await VerifyAsync("{" + events + "," + manifest + "}");
        Assert.Equal(AuditReasonCodes.MalformedJson, verdict.ReasonCode);
        Assert.Contains("must come before", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_bundle_is_refused()
    {
        var verdict = await VerifyAsync(Valid[..(Valid.Length / 2)]);
        Assert.Equal(AuditReasonCodes.MalformedJson, verdict.ReasonCode);
    }

    [Fact]
    public async Task An_unknown_row_field_is_refused()
    {
        var verdict = await VerifyAsync(Replace("\"event_type\": \"run.started\",", "\"event_type\": \"run.started\", \"extra\": 1,"));
        Assert.Equal(AuditReasonCodes.MalformedEvent, verdict.ReasonCode);
    }
}
