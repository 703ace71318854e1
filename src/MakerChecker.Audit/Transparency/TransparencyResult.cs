namespace MakerChecker.Audit.Transparency;

/// <summary>The outcome of checking a proof, a note, a checkpoint or a receipt: valid, or the reason it is not.</summary>
/// <remarks>A <see langword="default"/> value is invalid ("not verified"), so a result that was never set never passes.</remarks>
public readonly record struct TransparencyResult
{
    private readonly string? _failure;

    private TransparencyResult(bool isValid, string? failure)
    {
        IsValid = isValid;
        _failure = failure;
    }

    /// <summary>Whether the check passed.</summary>
    public bool IsValid { get; }

    /// <summary>What failed, in words that name the values involved; <see langword="null"/> when valid.</summary>
    public string? Failure => IsValid ? null : _failure ?? "not verified";

    /// <summary>A passed check.</summary>
    public static TransparencyResult Valid { get; } = new(true, null);

    /// <summary>A failed check.</summary>
    /// <param name="failure">What failed.</param>
    /// <returns>The failed result.</returns>
    public static TransparencyResult Invalid(string failure) => new(false, failure);

    /// <inheritdoc/>
    public override string ToString() => Failure ?? "valid";
}
