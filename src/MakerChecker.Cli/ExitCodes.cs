namespace MakerChecker.Cli;

/// <summary>The tool's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked and found nothing wrong (a policy lints clean, evidence verifies).</summary>
    public const int Success = 0;

    /// <summary>The command ran and found a problem: policy errors, evidence that fails verification.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong: unknown command or option, missing argument, unreadable input.</summary>
    public const int Usage = 2;
}
