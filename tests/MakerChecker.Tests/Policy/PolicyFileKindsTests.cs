using System.Diagnostics;
using System.IO.Pipes;
using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Tests.Policy;

/// <summary>
/// <see cref="PolicyLoader.LoadFile(string)"/> never throws and never hangs, whatever kind of file it is given: a
/// directory, a device that never ends, a pipe, a FIFO with or without a writer. Each problem is one located diagnostic.
/// </summary>
public sealed class PolicyFileKindsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml"));

    [Fact]
    public void A_directory_is_named_as_a_directory()
    {
        var error = Assert.Single(PolicyLoader.LoadFile(_dir).Errors);
        Assert.Equal(DiagnosticCodes.FileUnreadable, error.Code);
        Assert.Contains("is a directory, not a policy file", error.Message, StringComparison.Ordinal);
        Assert.Equal((_dir, 1, 1), (error.Location.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void A_device_that_never_ends_is_read_only_up_to_the_limit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/zero; CI runs on Linux
        }

        var error = Assert.Single(PolicyLoader.LoadFile("/dev/zero").Errors);
        Assert.Equal(DiagnosticCodes.DocumentTooLarge, error.Code);
        Assert.Contains("more than 4,194,304 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(("/dev/zero", 1, 4_194_305), (error.Location.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void A_regular_file_that_is_too_large_or_not_utf8_is_a_located_diagnostic()
    {
        var big = Path.Combine(_dir, "big.yaml");
        File.WriteAllText(big, new string('#', PolicyFileReader.MaxBytes + 1));
        Assert.Equal(DiagnosticCodes.DocumentTooLarge, Assert.Single(PolicyLoader.LoadFile(big).Errors).Code);

        var latin1 = Path.Combine(_dir, "latin1.yaml");
        File.WriteAllBytes(latin1, [.. "name: x\nversion: \"1\"\n# caf"u8, 0xE9, .. "\n"u8]);
        var error = Assert.Single(PolicyLoader.LoadFile(latin1).Errors);
        Assert.Equal(DiagnosticCodes.YamlSyntax, error.Code);
        Assert.Equal((3, 6), (error.Location.Line, error.Location.Column));
    }

    [Fact]
    public async Task A_pipe_such_as_dev_stdin_is_read()
    {
        // /dev/stdin fed by a pipe is /proc/self/fd/0; any pipe's /proc/self/fd entry opens the same way.
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc/self/fd; CI runs on Linux
        }

        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        var path = $"/proc/self/fd/{pipe.ClientSafePipeHandle.DangerousGetHandle()}";
        var writer = Task.Run(() =>
        {
            using (pipe)
            {
                pipe.Write(System.Text.Encoding.UTF8.GetBytes(Sample));
            }
        });

        var result = PolicyLoader.LoadFile(path);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(result.Errors);
        Assert.Equal("claims-review", result.GetPolicyOrThrow().Name);
    }

    [Fact]
    public async Task A_fifo_is_read_when_something_writes_it_and_is_a_diagnostic_when_nothing_does()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // mkfifo; CI runs on Linux
        }

        var fifo = Path.Combine(_dir, "policy.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var writer = Task.Run(() => File.WriteAllText(fifo, Sample));
        var written = PolicyLoader.LoadFile(fifo);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(written.Errors);

        // Nothing writes: the wait is bounded (a short deadline here; 10 s by default) and ends in a diagnostic.
        var error = Assert.Single(PolicyLoader.LoadFile(fifo, TimeSpan.FromMilliseconds(300)).Errors);
        Assert.Equal(DiagnosticCodes.FileUnreadable, error.Code);
        Assert.Contains("nothing is writing to", error.Message, StringComparison.Ordinal);

        // Release the reader still waiting in open(2): a writer that closes at once gives it an empty read.
        await Task.Run(() => File.WriteAllText(fifo, "")).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
