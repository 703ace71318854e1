namespace MakerChecker.Audit.Tests.Support;

/// <summary>The vectors copied next to the test assembly (see vectors/NOTICE).</summary>
internal static class Vectors
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors");

    public static string Audit(string file) => Path.Combine(Root, "makerchecker-audit-v1", file);

    public static string Jcs(string folder, string file) => Path.Combine(Root, "jcs", folder, file);
}
