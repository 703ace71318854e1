using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>The fast verifier's verdict must be the reference verifier's: validity, reason code, failing seq and key.</summary>
internal static class ReferenceAgreement
{
    public static void AssertSame(AuditVerdict reference, AuditVerdict fast)
    {
        var what = $"reference: {reference}; fast: {fast}";
        Assert.True(reference.IsValid == fast.IsValid, what);
        Assert.True(reference.ReasonCode == fast.ReasonCode, what);
        Assert.True(reference.FailedSeq == fast.FailedSeq, what);
        Assert.True(reference.KeyFingerprint == fast.KeyFingerprint, what);
    }
}
