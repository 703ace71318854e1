using System.ComponentModel.DataAnnotations;
using System.Security.Claims;

namespace MakerChecker.AspNetCore;

/// <summary>How the reviewer's inbox (<c>MapMakerCheckerInbox</c>) identifies reviewers and what it shows.</summary>
public sealed class InboxOptions
{
    /// <summary>
    /// The claim of the authenticated <c>HttpContext.User</c> whose value is the reviewer's principal id in the policy.
    /// Identity comes from this claim only, never from a form field or the query string.
    /// </summary>
    /// <value>The default value is <see cref="ClaimTypes.NameIdentifier"/>.</value>
    [Required]
    public string PrincipalClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>How many requests one page of the queue shows.</summary>
    /// <value>The default value is 25.</value>
    [Range(1, 500)]
    public int PageSize { get; set; } = 25;

    /// <summary>
    /// The policy roles whose principals may open the supervisor view (the rubber-stamp report). Empty: nobody may.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IList<string> SupervisorRoles { get; } = [];

    /// <summary>How many days back the supervisor view reads the log by default (the page may ask for 1 to 90).</summary>
    /// <value>The default value is 7.</value>
    [Range(1, 90)]
    public int SupervisorDays { get; set; } = 7;

    /// <summary>The title on every page, for example the organisation's name for the review service.</summary>
    /// <value>The default value is <c>Reviewer inbox</c>.</value>
    [Required]
    public string Title { get; set; } = "Reviewer inbox";
}
