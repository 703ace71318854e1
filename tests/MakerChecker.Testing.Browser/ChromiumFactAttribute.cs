namespace MakerChecker.Testing.Browser;

/// <summary>
/// A browser test. Skipped, with the reason shown, only where Chromium is absent and CI is not set; under
/// <c>CI=true</c> it always runs, so a missing browser fails the build instead of passing quietly.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the test cannot run here.</summary>
    public ChromiumFactAttribute()
    {
        if (!HeadlessChromium.IsAvailable && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"Chromium is not installed at {HeadlessChromium.ExecutablePath} (apt-get install chromium); never skipped when CI=true.";
        }
    }
}
