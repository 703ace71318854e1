namespace MakerChecker.Policy.Model;

/// <summary>
/// Ceilings on one grant: invocation counts per sliding minute, hour and day, counted per principal, and an
/// amount ceiling read from the payload. An amount that cannot be read is refused, never assumed.
/// </summary>
public sealed class LimitDefinition
{
    internal LimitDefinition(int? perMinute, int? perHour, int? perDay, decimal? maxAmount, string? amountField, SourceLocation location)
    {
        PerMinute = perMinute;
        PerHour = perHour;
        PerDay = perDay;
        MaxAmount = maxAmount;
        AmountField = amountField;
        Location = location;
    }

    /// <summary>The most invocations one principal may make in any sliding minute, or <see langword="null"/> for no ceiling.</summary>
    public int? PerMinute { get; }

    /// <summary>The most invocations one principal may make in any sliding hour, or <see langword="null"/> for no ceiling.</summary>
    public int? PerHour { get; }

    /// <summary>The most invocations one principal may make in any sliding day, or <see langword="null"/> for no ceiling.</summary>
    public int? PerDay { get; }

    /// <summary>The largest amount one invocation may carry, or <see langword="null"/> for no ceiling.</summary>
    public decimal? MaxAmount { get; }

    /// <summary>The dot-separated path of the amount in the payload (for example <c>claim.amount</c>); set whenever <see cref="MaxAmount"/> is.</summary>
    public string? AmountField { get; }

    /// <summary>Where the limits were written.</summary>
    public SourceLocation Location { get; }
}
