namespace MakerChecker.Gates;

/// <summary>Where an approval request is in its lifecycle.</summary>
public enum ApprovalStatus
{
    /// <summary>Open, waiting for sign-offs.</summary>
    Pending,

    /// <summary>Has the sign-offs it needs; may be executed once by the requester before it expires.</summary>
    Approved,

    /// <summary>A reviewer rejected it; closed.</summary>
    Rejected,

    /// <summary>Passed its execution checks; the action is running. It can never run again.</summary>
    Executing,

    /// <summary>Ran to completion; closed.</summary>
    Executed,

    /// <summary>Its action threw; closed. It can never run again.</summary>
    Failed,

    /// <summary>Pending or approved past its expiry; it can no longer be signed or executed.</summary>
    Expired,
}
