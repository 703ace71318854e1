using MakerChecker.Policy;

namespace MakerChecker.DependencyInjection;

/// <summary>
/// Loads <see cref="MakerCheckerOptions.PolicyPath"/> once per service provider: the options validator (at host start)
/// and the gate read the same load, so the file is parsed once and both judge the same text.
/// </summary>
internal sealed class PolicyFileCache
{
    private readonly Lock _lock = new();
    private string? _path;
    private PolicyLoadResult? _loaded;

    /// <summary>The load of <paramref name="path"/>, read from the file on the first call for that path.</summary>
    public PolicyLoadResult Load(string path)
    {
        lock (_lock)
        {
            if (_loaded is null || !string.Equals(_path, path, StringComparison.Ordinal))
            {
                _loaded = PolicyLoader.LoadFile(path);
                _path = path;
            }
            return _loaded;
        }
    }
}
