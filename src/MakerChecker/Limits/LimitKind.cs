namespace MakerChecker.Limits;

/// <summary>Which ceiling of a grant's limits decided.</summary>
internal enum LimitKind
{
    None,
    PerMinute,
    PerHour,
    PerDay,
    Amount,
}
