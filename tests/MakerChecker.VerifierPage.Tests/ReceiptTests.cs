using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Signing;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>
/// Receipts (docs/checkpoints-and-receipts.md §3) checked on the page with the log's verifier key: the verdict and the
/// failure text are those of <c>makerchecker audit verify-receipt</c> (Receipt.TryParse and Receipt.Verify).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReceiptTests(VerifierPageSession session) : IDisposable
{
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly Ed25519AuditSigner _other = Ed25519AuditSigner.Generate();

    private static async Task<PageVerdict> AssertSameAsCliAsync(IPage page, byte[] receipt, string vkey, bool expectValid)
    {
        var shown = await VerifierPageSession.CheckAsync(page,
            new FilePayload { Name = "receipt.json", MimeType = "application/json", Buffer = receipt }, vkey);
        var failure = OurEvidence.ReceiptFailure(receipt, vkey);

        Assert.Equal(expectValid, failure is null); // the case is what it claims to be
        Assert.Equal("receipt", shown.Kind);
        Assert.Equal(expectValid ? "valid" : "invalid", shown.Verdict);
        Assert.Equal("", shown.ReasonCode);
        if (failure is not null)
        {
            Assert.Contains(failure, shown.Text, StringComparison.Ordinal);
            Assert.Contains("do not rely on this receipt", shown.Text, StringComparison.Ordinal);
        }

        return shown;
    }

    [ChromiumFact]
    public async Task A_receipt_verifies_under_the_logs_verifier_key_and_names_the_event()
    {
        var page = await session.OpenAsync();
        var (receipt, vkey) = await OurEvidence.ReceiptAsync(_signer, 11, seq: 7);

        var shown = await AssertSameAsCliAsync(page, receipt, vkey, expectValid: true);

        Assert.Contains("Verified: this decision is in the signed log", shown.Text, StringComparison.Ordinal);
        Assert.Contains($"seq 7", shown.Text, StringComparison.Ordinal);
        Assert.Contains($"{OurEvidence.Origin} size 12 root ", shown.Text, StringComparison.Ordinal);
        Assert.Contains("zoë #5 🙂", shown.Text, StringComparison.Ordinal); // the event itself, readable
    }

    [ChromiumFact]
    public async Task A_receipt_under_another_logs_key_fails()
    {
        var page = await session.OpenAsync();
        var (receipt, _) = await OurEvidence.ReceiptAsync(_signer, 5, seq: 2);
        var (_, otherVkey) = await OurEvidence.ReceiptAsync(_other, 1, seq: 1);

        var shown = await AssertSameAsCliAsync(page, receipt, otherVkey, expectValid: false);

        Assert.Contains("signed only by unknown keys", shown.Text, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task A_tampered_proof_or_event_is_not_in_the_checkpoint()
    {
        var page = await session.OpenAsync();
        var (receipt, vkey) = await OurEvidence.ReceiptAsync(_signer, 9, seq: 4);
        var json = JsonNode.Parse(receipt)!.AsObject();

        var proof = json.DeepClone().AsObject();
        var first = proof["inclusionProof"]![0]!.GetValue<string>();
        proof["inclusionProof"]![0] = (first[0] == 'A' ? "B" : "A") + first[1..];
        var badProof = await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(proof.ToJsonString()), vkey, expectValid: false);
        Assert.Contains("is not in checkpoint", badProof.Text, StringComparison.Ordinal);

        var evt = json.DeepClone().AsObject();
        evt["event"] = evt["event"]!.GetValue<string>().Replace("approved", "rejected", StringComparison.Ordinal);
        await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(evt.ToJsonString()), vkey, expectValid: false);

        var index = json.DeepClone().AsObject();
        index["leafIndex"] = 2;
        await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(index.ToJsonString()), vkey, expectValid: false);
    }

    [ChromiumFact]
    public async Task A_tampered_checkpoint_fails_its_signature()
    {
        var page = await session.OpenAsync();
        var (receipt, vkey) = await OurEvidence.ReceiptAsync(_signer, 9, seq: 4);
        var json = JsonNode.Parse(receipt)!.AsObject();
        json["checkpoint"] = json["checkpoint"]!.GetValue<string>().Replace("\n10\n", "\n11\n", StringComparison.Ordinal);

        var shown = await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(json.ToJsonString()), vkey, expectValid: false);

        Assert.Contains("invalid signature for key", shown.Text, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task A_malformed_receipt_is_said_so()
    {
        var page = await session.OpenAsync();
        var (receipt, vkey) = await OurEvidence.ReceiptAsync(_signer, 3, seq: 1);
        var json = JsonNode.Parse(receipt)!.AsObject();
        json["extra"] = 1;

        var shown = await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(json.ToJsonString()), vkey, expectValid: false);

        Assert.Contains("receipt members are [checkpoint, event, extra, format, inclusionProof, leafIndex]", shown.Text, StringComparison.Ordinal);

        var text = Encoding.UTF8.GetString(receipt);
        var lone = text.Replace("\"event\": \"", "\"event\": \"\\uDE42", StringComparison.Ordinal);
        var surrogate = await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(lone), vkey, expectValid: false);
        Assert.Contains("receipt 'event' holds an unpaired UTF-16 surrogate", surrogate.Text, StringComparison.Ordinal);

        var format = await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(text.Replace("receipt/v1", "receipt/v2", StringComparison.Ordinal)), vkey, false);
        Assert.Contains("receipt format is \"makerchecker-receipt/v2\", want", format.Text, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task A_receipt_without_a_verifier_key_is_not_checked_and_the_page_says_what_to_give()
    {
        var page = await session.OpenAsync();
        var (receipt, _) = await OurEvidence.ReceiptAsync(_signer, 3, seq: 2);
        var file = new FilePayload { Name = "receipt.json", MimeType = "application/json", Buffer = receipt };

        var none = await VerifierPageSession.CheckAsync(page, file);
        Assert.Equal("error", none.Verdict);
        Assert.Contains("checked with the log's verifier key", none.Text, StringComparison.Ordinal);

        var pem = await VerifierPageSession.CheckAsync(page, file, _signer.PublicKeyPem);
        Assert.Equal("error", pem.Verdict);
        Assert.Contains("not with a public key PEM", pem.Text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }
}
