using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// Our stores, fed the vectors' events, ids and clock, produce the vectors' hashes; and our manifest writer, given
/// the vectors' figures and (test-only) key, produces the vectors' manifest and signature byte for byte (Ed25519
/// signatures are deterministic). Together they pin the hash rule, the genesis root and the signed form.
/// </summary>
public class ExportReproducesVectorsTests
{
    [Fact]
    public async Task In_memory_store_reproduces_the_vector_hashes_and_exports_a_valid_bundle()
    {
        var (store, clock, expected) = await VectorLog.ReplayAsync("valid-full.json", (id, time, ids) => new InMemoryAuditStore(id, time, ids));
        await AssertReplayAsync(store, clock, expected);
    }

    [Fact]
    public async Task File_store_reproduces_the_vector_hashes_and_survives_a_reopen()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        var (store, clock, expected) = await VectorLog.ReplayAsync("valid-full.json", (id, time, ids) =>
            FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { InstanceId = id, TimeProvider = time, IdGenerator = ids }).GetAwaiter().GetResult());
        await using (store)
        {
            await AssertReplayAsync(store, clock, expected);
        }

        await using var reopened = await FileAuditStore.OpenAsync(path);
        await AssertReplayAsync(reopened, clock, expected);
    }

    [Theory]
    [InlineData("valid-full.json")]
    [InlineData("valid-run.json")]
    [InlineData("unicode-literal.json")]
    public async Task The_manifest_writer_reproduces_the_vector_manifest_and_signature(string file)
    {
        var vector = JsonNode.Parse(File.ReadAllBytes(Vectors.Audit(file)))!["manifest"]!;
        var manifest = new BundleManifest
        {
            BundleKind = (string)vector["bundleKind"]!, InstanceId = (string)vector["instanceId"]!,
            ExportedAt = (string)vector["exportedAt"]!, RunId = (string?)vector["runId"], Count = (long)vector["count"]!,
            FirstSeq = (string?)vector["firstSeq"], LastSeq = (string?)vector["lastSeq"], HeadHash = (string?)vector["headHash"],
            EventHashesDigest = (string)vector["eventHashesDigest"]!,
        };
        using var signer = VectorLog.FixtureSigner();
        var signature = await signer.SignAsync(manifest.SigningBytes());
        manifest = manifest with { PublicKeyPem = signer.PublicKeyPem, Signature = Convert.ToBase64String(signature) };

        using var writer = new CanonicalJsonWriter();
        manifest.WriteTo(writer);

        Assert.Equal((string)vector["signature"]!, manifest.Signature);
        Assert.True(JsonNode.DeepEquals(vector, JsonNode.Parse(writer.Output.ToArray())));
    }

    private static async Task AssertReplayAsync(IAuditStore store, TimeProvider clock, List<string> expected)
    {
        var hashes = new List<string>();
        await foreach (var e in store.ReadAsync())
        {
            hashes.Add(e.Hash);
        }

        Assert.Equal(expected, hashes);

        using var signer = VectorLog.FixtureSigner();
        using var output = new MemoryStream();
        await BundleExporter.ExportFullAsync(store, signer, output, clock);
        output.Position = 0;
        var verdict = await BundleVerifier.VerifyAsync(output, new BundleVerifierOptions { PinnedPublicKeyPem = File.ReadAllText(Vectors.Audit("instance-pubkey.pem")) });
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(expected.Count, verdict.EventCount);
    }
}
