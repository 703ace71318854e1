using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Signing;

public class KeyFileTests
{
    [Fact]
    public void A_new_private_key_file_has_mode_0600_and_is_never_overwritten()
    {
        using var dir = new TempDir();
        var fingerprint = Ed25519KeyFile.Create(dir.File("key.pem"), dir.File("pub.pem"));

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("key.pem")));
        }

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(dir.File("key.pem")), StringComparison.Ordinal);
        Assert.Equal(fingerprint, Ed25519KeyFile.ReadFingerprint(dir.File("pub.pem")));
        using var signer = Ed25519KeyFile.LoadSigner(dir.File("key.pem"));
        Assert.Equal(fingerprint, signer.Fingerprint);
        Assert.Throws<IOException>(() => Ed25519KeyFile.Create(dir.File("key.pem"), dir.File("pub2.pem")));
        Assert.Equal(["key.pem", "pub.pem"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).Order());
    }

    [Fact]
    public void The_fingerprint_is_sha256_over_the_SPKI_DER()
    {
        var pem = File.ReadAllText(Vectors.Audit("instance-pubkey.pem"));
        Assert.True(PublicKeyPem.TryDecode(pem, out var raw));
        var der = Convert.FromBase64String(pem.Split('\n')[1]);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(der)), PublicKeyPem.Fingerprint(raw));
        Assert.Equal(pem, PublicKeyPem.Encode(raw));
    }

    [Fact]
    public void A_public_key_text_with_non_canonical_base64_is_refused()
    {
        var pem = File.ReadAllText(Vectors.Audit("instance-pubkey.pem"));
        // The last base64 digit before '=' carries two unused bits; flipping them keeps the bytes but changes the text.
        var body = pem.Split('\n')[1];
        var last = body[^2];
        var twin = Convert.ToBase64String(Convert.FromBase64String(body)) == body
            ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".IndexOf(last, StringComparison.Ordinal) | 1]
            : last;
        Assert.NotEqual(last, twin);
        Assert.False(PublicKeyPem.TryDecode(pem.Replace(body, body[..^2] + twin + "=", StringComparison.Ordinal), out _));
    }

    [Fact]
    public void A_corrupt_private_key_file_is_refused_without_echoing_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("key.pem"), "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n");
        var ex = Assert.Throws<FormatException>(() => Ed25519KeyFile.LoadSigner(dir.File("key.pem")));
        Assert.DoesNotContain("SECRET", ex.ToString(), StringComparison.Ordinal);
    }

    [OpenSslFact]
    public async Task OpenSSL_keys_sign_and_OpenSSL_verifies_our_signatures()
    {
        Assert.True(OpenSsl.IsAvailable, "openssl is required (CI=true never skips this test) but was not found on PATH.");
        using var dir = new TempDir();
        OpenSsl.Run("genpkey", "-algorithm", "ed25519", "-out", dir.File("key.pem"));
        OpenSsl.Run("pkey", "-in", dir.File("key.pem"), "-pubout", "-out", dir.File("pub.pem"));
        var message = Encoding.UTF8.GetBytes("{\"bundleKind\":\"full\",\"count\":1}");
        await File.WriteAllBytesAsync(dir.File("msg"), message);

        using var signer = Ed25519KeyFile.LoadSigner(dir.File("key.pem"));
        await File.WriteAllBytesAsync(dir.File("sig"), await signer.SignAsync(message));
        var output = OpenSsl.Run("pkeyutl", "-verify", "-pubin", "-inkey", dir.File("pub.pem"), "-rawin", "-in", dir.File("msg"), "-sigfile", dir.File("sig"));
        Assert.Contains("Signature Verified Successfully", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(dir.File("pub.pem")), signer.PublicKeyPem);

        // And the other way: OpenSSL reads our key file and derives the same public key.
        Ed25519KeyFile.Create(dir.File("ours.pem"), dir.File("ours.pub.pem"));
        OpenSsl.Run("pkey", "-in", dir.File("ours.pem"), "-pubout", "-out", dir.File("ours.openssl.pub.pem"));
        Assert.Equal(File.ReadAllText(dir.File("ours.pub.pem")), File.ReadAllText(dir.File("ours.openssl.pub.pem")));

        // A flipped signature bit is rejected by OpenSSL, so the check above can fail.
        var sig = await File.ReadAllBytesAsync(dir.File("sig"));
        sig[0] ^= 1;
        await File.WriteAllBytesAsync(dir.File("sig"), sig);
        Assert.Throws<InvalidOperationException>(() => OpenSsl.Run("pkeyutl", "-verify", "-pubin", "-inkey", dir.File("pub.pem"), "-rawin", "-in", dir.File("msg"), "-sigfile", dir.File("sig")));
    }

    /// <summary>Skipped only where openssl is absent, and never when CI=true: there a missing openssl fails the test.</summary>
    private sealed class OpenSslFactAttribute : FactAttribute
    {
        public OpenSslFactAttribute()
        {
            if (!OpenSsl.IsAvailable && Environment.GetEnvironmentVariable("CI") != "true")
            {
                Skip = "openssl is not installed (this test never skips when CI=true).";
            }
        }
    }

    private static class OpenSsl
    {
        public static bool IsAvailable => (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "openssl")) || File.Exists(Path.Combine(d, "openssl.exe")));

        public static string Run(params string[] args)
        {
            var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? stdout + stderr
                : throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}{stdout}");
        }
    }
}
