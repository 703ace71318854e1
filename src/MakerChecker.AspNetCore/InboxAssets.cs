using Microsoft.AspNetCore.Http;

namespace MakerChecker.AspNetCore;

/// <summary>The inbox's stylesheet and countdown script, embedded in the package and served by it: nothing is fetched from elsewhere.</summary>
internal static class InboxAssets
{
    private static readonly byte[] CssBytes = Read("MakerChecker.AspNetCore.inbox.css");
    private static readonly byte[] ScriptBytes = Read("MakerChecker.AspNetCore.countdown.js");

    public static IResult Css => Results.Bytes(CssBytes, "text/css; charset=utf-8");

    public static IResult Script => Results.Bytes(ScriptBytes, "text/javascript; charset=utf-8");

    private static byte[] Read(string name)
    {
        using var stream = typeof(InboxAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The inbox asset '{name}' is missing from the assembly: the package was built without it.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
