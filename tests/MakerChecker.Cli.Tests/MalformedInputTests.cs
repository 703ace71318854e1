using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// Every malformed bundle, receipt or key (issue 13, "Bad input"): exit 1 (2 for a usage error such as an unreadable
/// key file), exactly one line that names what failed, never a stack trace. A bundle also fails on the reference
/// verifier with the same reason code and a one-line reason.
/// </summary>
public sealed class MalformedInputTests(MalformedInputTests.Evidence evidence) : IClassFixture<MalformedInputTests.Evidence>
{
    /// <summary>One malformed input: the command to run on it, the exit code and what its one line must contain.</summary>
    public sealed record Case(string Name, Func<Evidence, string, string[]> Arrange, int Exit, string Says)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] Cases =
    [
        // Bundles: truncated, not UTF-8, BOM, wrong envelope.
        Bundle("empty file", _ => [], "malformed_json"),
        Bundle("truncated inside a row", b => b[..(Row(b, 3) + 40)], "malformed_json"),
        Bundle("truncated after the last row", b => b[..b.LastIndexOf((byte)']')], "malformed_json"),
        Bundle("not UTF-8 inside a payload string", b => Replace(b, "\"approved\"", [(byte)'"', 0xC3, 0x28, (byte)'"']), "invalid_utf8", seq: 2),
        Bundle("not UTF-8 inside the manifest", b => Replace(b, "\"full\"", [(byte)'"', 0xFF, 0xFE, (byte)'"']), "invalid_utf8"),
        Bundle("UTF-8 byte order mark", b => [0xEF, 0xBB, 0xBF, .. b], "byte order mark"),
        Bundle("UTF-16 text", b => Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(b)), "malformed_json"),
        Bundle("random bytes", _ => [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))], "malformed_json"),
        Bundle("JSON null", _ => "null"u8.ToArray(), "malformed_json"),
        Bundle("data after the closing brace", b => [.. b, .. "{}"u8], "trailing_data"),
        Bundle("an event that is an array", b => Replace(b, "{\"seq\":\"2\"", "[\"seq\",\"2\"]"u8.ToArray(), cutRow: true), "malformed_json"),
        Bundle("events that is an object", b => Replace(b, "\"events\":[", "\"events\":{\"a\":["u8.ToArray()), "malformed_json"),
        // Deep nesting and huge values.
        Bundle("deep nesting in a payload", b => Replace(b, "\"decision\":", Encoding.UTF8.GetBytes("\"deep\":" + new string('[', 5000) + new string(']', 5000) + ",\"decision\":")),
            "malformed_json", seq: 2),
        Bundle("deep nesting where the manifest goes", _ => Encoding.UTF8.GetBytes("{\"manifest\":{\"a\":" + new string('[', 100_000)), "malformed_json"),
        Bundle("a huge integer in a payload", b => Replace(b, "\"approved\"", Encoding.UTF8.GetBytes(new string('9', 400))), "ambiguous_number", seq: 2),
        Bundle("a huge exponent in a payload", b => Replace(b, "\"approved\"", "1e400"u8.ToArray()), "ambiguous_number", seq: 2),
        Bundle("a huge count in the manifest", b => ReplaceCount(b, new string('9', 400)), "ambiguous_number"),
        Bundle("a row larger than 64 MiB", b => Replace(b, "\"approved\"", Encoding.UTF8.GetBytes("\"" + new string('x', 65 * 1024 * 1024) + "\"")),
            "larger than 64 MiB", seq: 2), // the reference holds the whole bundle, so has no such limit: there the row fails its hash
        // Duplicate keys.
        Bundle("a duplicate key in a row", b => Replace(b, "{\"seq\":\"2\"", "{\"seq\":\"2\",\"seq\":\"2\""u8.ToArray()), "duplicate_key", seq: 2),
        Bundle("a duplicate key in a payload", b => Replace(b, "\"decision\":\"approved\"", "\"decision\":\"approved\",\"decision\":\"denied\""u8.ToArray()),
            "duplicate_key", seq: 2),
        Bundle("a second manifest", b => Replace(b, ",\"events\":[", Encoding.UTF8.GetBytes(",\"manifest\":{},\"events\":[")), "duplicate_key"),
        // Wrong types.
        Bundle("seq as a number", b => Replace(b, "{\"seq\":\"2\"", "{\"seq\":2"u8.ToArray()), "malformed_event"),
        Bundle("hash as a number", b => ReplaceRowField(b, "hash", "12"), "malformed_event", seq: 2),
        Bundle("actor as a string", b => ReplaceRowField(b, "actor", "\"dr.okafor\""), "malformed_event", seq: 2),
        Bundle("payload as an array", b => ReplaceRowField(b, "payload", "[]"), "malformed_event", seq: 2),
        Bundle("an escaped lone surrogate in a row's first key", b => Replace(b, "{\"seq\":\"2\"", "{\"s\\ud800eq\":\"2\""u8.ToArray()), "ill_formed_string"),
        Bundle("a lone surrogate in a payload", b => Replace(b, "\"approved\"", "\"\\ud800\""u8.ToArray()), "ill_formed_string", seq: 2),
        Bundle("the signature is not base64", b => ReplaceManifestString(b, "signature", "not base64!"), "signature_invalid"),
        Bundle("no signature", b => ReplaceManifestString(b, "signature", null), "malformed_manifest"),
        // A bundle streamed in: a gigabyte of spaces where the first event should start (bounded memory, no stack trace).
        new("1 GiB of spaces streamed through a pipe", (e, dir) => ["audit", "verify", e.Fifo(dir, "{\"manifest\":", 1L << 30)], 1, "malformed_json"),

        // Pinned key files: a usage error (exit 2), one line.
        Key("an empty key file", _ => [], "not an Ed25519 SPKI PEM public key"),
        Key("a key of the wrong length", _ => Pem(new byte[43]), "not an Ed25519 SPKI PEM public key"),
        Key("a DER key instead of PEM", e => Convert.FromBase64String(PemBody(e.PublicKeyPem)), "not an Ed25519 SPKI PEM public key"),
        Key("a key file that is not UTF-8", _ => [0xFF, 0xFE, 0x00, 0xC3], "not an Ed25519 SPKI PEM public key"),
        Key("a private key instead of the public key", e => File.ReadAllBytes(e.PrivateKeyPath), "not an Ed25519 SPKI PEM public key"),

        // Receipts: exit 1, "invalid: …".
        Receipt("an empty receipt", _ => [], "receipt is not JSON"),
        Receipt("a truncated receipt", r => r[..(r.Length / 2)], "receipt is not JSON"),
        Receipt("a receipt that is not UTF-8", r => [0xFF, .. r], "receipt is not valid UTF-8"),
        Receipt("a receipt without its inclusion proof", r => WithoutMember(r, "inclusionProof"), ""),
        Receipt("a receipt without its checkpoint", r => WithoutMember(r, "checkpoint"), ""),
        Receipt("a receipt whose leaf index is a string", r => WithMember(r, "leafIndex", JsonValue.Create("3")), ""),
        Receipt("a receipt that is an array", _ => "[]"u8.ToArray(), "receipt is not a JSON object"),
        new("1 GiB receipt streamed through a pipe", (e, dir) => ["audit", "verify-receipt", e.Fifo(dir, "{\"event\":", 1L << 30), "--vkey", e.VerifierKey],
            1, "larger than"),
        new("1 GiB key file streamed through a pipe", (e, dir) => ["audit", "verify", e.BundlePath, "--key", e.Fifo(dir, "-----BEGIN PUBLIC KEY-----\n", 1L << 30)],
            2, "larger than"),
        new("1 GiB verifier key file streamed through a pipe", (e, dir) => ["audit", "verify-receipt", e.ReceiptPath, "--vkey", e.Fifo(dir, "example.com", 1L << 30)],
            2, "larger than"),
        new("a verifier key of the wrong encoding", (e, dir) => ["audit", "verify-receipt", e.ReceiptPath, "--vkey", "example.com/claims+abcd1234+%%%"], 2,
            "--vkey is not a verifier key"),
    ];

    public static TheoryData<string> Names() => [.. Cases.Select(c => c.Name)];

    [Fact]
    public void There_are_about_thirty_cases_and_each_has_its_own_name() =>
        Assert.True(Cases.Length >= 30 && Cases.DistinctBy(c => c.Name).Count() == Cases.Length);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_malformed_input_fails_with_one_line_naming_what_failed_and_no_stack_trace(string name)
    {
        var c = Cases.Single(c => c.Name == name);
        var dir = Directory.CreateTempSubdirectory("mc-cli-malformed-").FullName;
        try
        {
            var args = c.Arrange(evidence, dir);
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var (exit, output, error) = await CliRunner.RunAsync(args);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            var lines = (output + error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(exit == c.Exit, $"exit {exit}, expected {c.Exit}: {output}{error}");
            Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}: {output}{error}");
            Assert.Contains(c.Says, lines[0], StringComparison.Ordinal);
            EvidenceSnapshot.AssertNoStackTrace(output + error);
            if (name.StartsWith("1 GiB", StringComparison.Ordinal))
            {
                // Bounded memory: the verifier must not hold the stream (the process allocates, other tests included, far less than it).
                Assert.True(allocated < 512L << 20, $"allocated {allocated >> 20} MiB while verifying a 1 GiB stream");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_reference_verifier_refuses_a_malformed_bundle_with_the_same_reason_code_in_one_line(string name)
    {
        var c = Cases.Single(c => c.Name == name);
        if (c.Arrange.Target is not BundleCase bundleCase)
        {
            return; // keys, receipts and the streamed case are for the command line only
        }

        var bytes = bundleCase.Make(evidence.Bundle);
        var verdict = ReferenceBundleVerifier.Verify(bytes);

        Assert.False(verdict.IsValid);
        Assert.DoesNotContain('\n', verdict.Reason!);
        Assert.Equal(bundleCase.Code ?? verdict.ReasonCode, verdict.ReasonCode);
        Assert.Equal(bundleCase.Seq, verdict.FailedSeq);
    }

    /// <summary>A malformed bundle derived from the valid one; <paramref name="says"/> is its reason code (or text) in the line.</summary>
    private static Case Bundle(string name, Func<byte[], byte[]> make, string says, long? seq = null)
    {
        var arrange = new BundleCase(make, says.Contains(' ', StringComparison.Ordinal) ? null : says, seq);
        return new Case(name, arrange.Arrange, 1, says);
    }

    private static Case Key(string name, Func<Evidence, byte[]> make, string says) => new(name, (e, dir) =>
    {
        var key = Path.Combine(dir, "pinned.pem");
        File.WriteAllBytes(key, make(e));
        return ["audit", "verify", e.BundlePath, "--key", key];
    }, 2, says);

    private static Case Receipt(string name, Func<byte[], byte[]> make, string says) => new(name, (e, dir) =>
    {
        var receipt = Path.Combine(dir, "receipt.json");
        File.WriteAllBytes(receipt, make(e.Receipt));
        return ["audit", "verify-receipt", receipt, "--vkey", e.VerifierKey];
    }, 1, "invalid: " + says);

    private sealed class BundleCase(Func<byte[], byte[]> make, string? code, long? seq)
    {
        public string? Code => code;
        public long? Seq => seq;

        public byte[] Make(byte[] bundle) => make(bundle);

        public string[] Arrange(Evidence e, string dir)
        {
            var path = Path.Combine(dir, "bundle.json");
            File.WriteAllBytes(path, make(e.Bundle));
            return ["audit", "verify", path];
        }
    }

    private static int Row(byte[] bundle, int seq) => Encoding.UTF8.GetString(bundle).IndexOf($"{{\"seq\":\"{seq}\"", StringComparison.Ordinal);

    /// <summary>The first occurrence of <paramref name="find"/> at or after row 2 replaced (or, with <paramref name="cutRow"/>, row 2 itself).</summary>
    private static byte[] Replace(byte[] bundle, string find, byte[] with, bool cutRow = false)
    {
        var text = Encoding.UTF8.GetString(bundle);
        var from = find.StartsWith("{\"seq\"", StringComparison.Ordinal) || find.StartsWith("\"manifest\"", StringComparison.Ordinal) ||
                   find.StartsWith("\"full\"", StringComparison.Ordinal) || find.StartsWith(",\"events\"", StringComparison.Ordinal) ||
                   find.StartsWith("\"events\"", StringComparison.Ordinal)
            ? 0
            : Row(bundle, 2);
        var at = text.IndexOf(find, from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' not in the bundle");
        var end = cutRow ? text.IndexOf('\n', at) : at + find.Length;
        var before = Encoding.UTF8.GetByteCount(text[..at]);
        var after = Encoding.UTF8.GetByteCount(text[..end]);
        return [.. bundle[..before], .. with, .. bundle[after..]];
    }

    private static byte[] ReplaceRowField(byte[] bundle, string field, string json)
    {
        var row = Row(bundle, 2);
        var text = Encoding.UTF8.GetString(bundle);
        var rowEnd = text.IndexOf('\n', row);
        var node = JsonNode.Parse(text[row..rowEnd].TrimEnd(','))!.AsObject();
        node[field] = JsonNode.Parse(json);
        var suffix = text[row..rowEnd].EndsWith(',') ? "," : "";
        return Encoding.UTF8.GetBytes(text[..row] + node.ToJsonString() + suffix + text[rowEnd..]);
    }

    private static byte[] ReplaceManifestString(byte[] bundle, string member, string? value)
    {
        var text = Encoding.UTF8.GetString(bundle);
        var start = "{\"manifest\":".Length;
        var end = text.IndexOf(",\"events\":[", StringComparison.Ordinal);
        var manifest = JsonNode.Parse(text[start..end])!.AsObject();
        if (value is null)
        {
            manifest.Remove(member);
        }
        else
        {
            manifest[member] = value;
        }

        return Encoding.UTF8.GetBytes(text[..start] + manifest.ToJsonString() + text[end..]);
    }

    private static byte[] ReplaceCount(byte[] bundle, string count)
    {
        var text = Encoding.UTF8.GetString(bundle);
        var at = text.IndexOf("\"count\":", StringComparison.Ordinal) + "\"count\":".Length;
        var end = text.IndexOf(',', at);
        return Encoding.UTF8.GetBytes(text[..at] + count + text[end..]);
    }

    private static byte[] WithoutMember(byte[] receipt, string member)
    {
        var node = JsonNode.Parse(receipt)!.AsObject();
        Assert.True(node.Remove(member));
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static byte[] WithMember(byte[] receipt, string member, JsonNode value)
    {
        var node = JsonNode.Parse(receipt)!.AsObject();
        node[member] = value;
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static string PemBody(string pem) =>
        string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));

    private static byte[] Pem(byte[] der) =>
        Encoding.ASCII.GetBytes($"-----BEGIN PUBLIC KEY-----\n{Convert.ToBase64String(der)}\n-----END PUBLIC KEY-----\n");

    /// <summary>A valid bundle, its key pair, and a valid receipt with its verifier key, made once for all cases.</summary>
    public sealed class Evidence : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-malformed-evidence-").FullName;

        public Evidence()
        {
            var store = Path.Combine(_dir, "audit.jsonl");
            Task.Run(async () =>
            {
                await using (var log = await FileAuditStore.OpenAsync(store))
                {
                    for (var i = 0; i < 4; i++)
                    {
                        await log.AppendAsync(new AuditEntry
                        {
                            Actor = new AuditActor("human", "dr.okafor", "medical-reviewer"),
                            EventType = "approval.decided",
                            Payload = new JsonObject { ["decision"] = "approved", ["claim"] = new JsonObject { ["amount"] = 1838 + i } },
                        });
                    }
                }

                Assert.Equal(0, (await CliRunner.RunAsync("keygen", "--out", Path.Combine(_dir, "keys"))).ExitCode);
                Assert.Equal(0, (await CliRunner.RunAsync("audit", "export", store, "--out", BundlePath, "--key", PrivateKeyPath)).ExitCode);

                var checkpointKey = Path.Combine(_dir, "checkpoint-key.pem");
                Audit.Signing.Ed25519KeyFile.Create(checkpointKey, Path.Combine(_dir, "checkpoint-key.pub.pem"));
                var checkpointed = Path.Combine(_dir, "checkpointed.jsonl");
                VerifierKey = await AppendAsync(checkpointed, checkpointKey, 5);
                var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", checkpointed, "--seq", "3", "--key", checkpointKey, "-o", ReceiptPath);
                Assert.True(exit == 0, error);
            }).GetAwaiter().GetResult();
            Bundle = File.ReadAllBytes(BundlePath);
            Receipt = File.ReadAllBytes(ReceiptPath);
            PublicKeyPem = File.ReadAllText(Path.Combine(_dir, "keys", "makerchecker.pub.pem"));
            Assert.Equal(0, CliRunner.RunAsync("audit", "verify", BundlePath).GetAwaiter().GetResult().ExitCode);
        }

        public string BundlePath => Path.Combine(_dir, "bundle.json");
        public string PrivateKeyPath => Path.Combine(_dir, "keys", "makerchecker.key");
        public string ReceiptPath => Path.Combine(_dir, "receipt.json");
        public byte[] Bundle { get; }
        public byte[] Receipt { get; }
        public string PublicKeyPem { get; }
        public string VerifierKey { get; private set; } = "";

        /// <summary>A named pipe that a background task fills with <paramref name="prefix"/> and then <paramref name="spaces"/> spaces.</summary>
        public string Fifo(string dir, string prefix, long spaces)
        {
            var path = Path.Combine(dir, "stream.json");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]))
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            _ = Task.Run(() =>
            {
                try
                {
                    using var pipe = new FileStream(path, FileMode.Open, FileAccess.Write);
                    pipe.Write(Encoding.UTF8.GetBytes(prefix));
                    var block = new byte[1 << 20];
                    block.AsSpan().Fill((byte)' ');
                    for (long written = 0; written < spaces; written += block.Length)
                    {
                        pipe.Write(block);
                    }
                }
                catch (IOException)
                {
                    // The verifier may stop reading early; the pipe then breaks.
                }
            });
            return path;
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
