namespace MakerChecker.Audit.Transparency;

/// <summary>The outcome of checking a proof, a note, a checkpoint or a receipt: valid, or the reason it is not.</summary>
public readonly record struct TransparencyResult
{
    private TransparencyResult(string? failure) => Failure = failure;

    /// <summary>Whether the check passed.</summary>
    public bool IsValid => Failure is null;

    /// <summary>What failed, in words that name the values involved; <see langword="null"/> when valid.</summary>
    public string? Failure { get; }

    /// <summary>A passed check.</summary>
    public static TransparencyResult Valid { get; }

    /// <summary>A failed check.</summary>
    /// <param name="failure">What failed.</param>
    /// <returns>The failed result.</returns>
    public static TransparencyResult Invalid(string failure) => new(failure);

    /// <inheritdoc/>
    public override string ToString() => Failure ?? "valid";
}
