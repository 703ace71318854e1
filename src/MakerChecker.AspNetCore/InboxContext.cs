using System.Security.Claims;
using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Stores;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MakerChecker.AspNetCore;

/// <summary>What every inbox endpoint works with: the gate, its clock, its case store and log, and who the reviewer is.</summary>
internal sealed class InboxContext(ApprovalGate gate, IOptions<InboxOptions> options, IServiceProvider services)
{
    public ApprovalGate Gate { get; } = gate;

    public InboxOptions Options => options.Value;

    /// <summary>The gate's clock (the one <c>AddMakerChecker</c> was given), so that countdowns agree with the gate's rules.</summary>
    public TimeProvider Time { get; } = services.GetService<IOptions<MakerCheckerOptions>>()?.Value.TimeProvider ?? TimeProvider.System;

    /// <summary>The gate's case store: where it wrote each request's payload.</summary>
    public IRequestPayloadStore? Cases => Gate.PayloadStore;

    /// <summary>The audit log the supervisor view reads: the one given to <c>AddMakerChecker</c>, else the container's.</summary>
    public IAuditStore? Log { get; } = services.GetService<IOptions<MakerCheckerOptions>>()?.Value.AuditStore ?? services.GetService<IAuditStore>();

    /// <summary>The reviewer's principal id, from the configured claim of the authenticated user only; null when absent.</summary>
    public string? ReviewerOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirst(Options.PrincipalClaimType)?.Value is { Length: > 0 } id ? id : null;
}
