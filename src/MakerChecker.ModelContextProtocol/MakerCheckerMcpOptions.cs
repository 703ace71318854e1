using System.Security.Claims;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MakerChecker.ModelContextProtocol;

/// <summary>
/// Which MCP tools run which skills, and who calls them (<c>IMcpServerBuilder.WithMakerChecker</c>). A tool that is
/// neither mapped nor marked ungoverned is refused: the server fails closed.
/// </summary>
public sealed class MakerCheckerMcpOptions
{
    /// <summary>The companion tool that resumes a waiting call for clients that cannot pass <c>_meta</c>.</summary>
    public const string ExecuteToolName = "makerchecker_execute";

    /// <summary>The <c>_meta</c> key that resumes a call: the same tool call, with the request id under this key.</summary>
    public const string RequestIdMetaKey = "makerchecker/requestId";

    private readonly Dictionary<string, string> _skills = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ungoverned = new(StringComparer.Ordinal);

    /// <summary>Maps a tool to the skill it runs: every call of the tool goes through the gate as that skill.</summary>
    /// <param name="toolName">The MCP tool's name.</param>
    /// <param name="skill">The skill, <c>name@version</c> (for example <c>coverage.deny@1</c>).</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException">The skill is not <c>name@version</c>, or the tool is already mapped or marked ungoverned.</exception>
    public MakerCheckerMcpOptions Map(string toolName, string skill)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        ArgumentNullException.ThrowIfNull(skill);
        if (!SkillId.TryParse(skill, out _))
        {
            throw new ArgumentException(
                $"'{skill}' (for tool '{toolName}') is not a skill: write it as name@version, for example coverage.deny@1.", nameof(skill));
        }
        CheckNew(toolName);
        _skills[toolName] = skill;
        return this;
    }

    /// <summary>
    /// Marks a tool as ungoverned: it runs without the gate and nothing about it is recorded. Only for tools with no
    /// consequence (reads, lookups); anything else should be mapped to a skill.
    /// </summary>
    /// <param name="toolName">The MCP tool's name.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException">The tool is already mapped or marked ungoverned.</exception>
    public MakerCheckerMcpOptions Ungoverned(string toolName)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        CheckNew(toolName);
        _ungoverned.Add(toolName);
        return this;
    }

    /// <summary>
    /// Names the principal of a call. <value>The default value is <see langword="null"/>: the request's authenticated user
    /// (<see cref="ClaimsPrincipal.Identity"/>'s name, else its <see cref="ClaimTypes.NameIdentifier"/> claim).</value>
    /// A call with no principal is refused <c>principal_unknown</c>.
    /// </summary>
    public Func<RequestContext<CallToolRequestParams>, string?>? PrincipalResolver { get; set; }

    /// <summary>
    /// The proposer's basis for a call, recorded with any request opened.
    /// <value>The default value is <see langword="null"/> (no basis).</value>
    /// </summary>
    public Func<RequestContext<CallToolRequestParams>, ProposalBasis?>? BasisFactory { get; set; }

    /// <summary>
    /// Where a reviewer signs a waiting request off, given its id (for example the inbox's address for it), returned to
    /// the client with the request id. <value>The default value is <see langword="null"/>: a sentence naming the gate's API.</value>
    /// </summary>
    public Func<string, string>? ReviewLocation { get; set; }

    internal IReadOnlyDictionary<string, string> Skills => _skills;

    internal IReadOnlySet<string> UngovernedTools => _ungoverned;

    internal string? ResolvePrincipal(RequestContext<CallToolRequestParams> context)
    {
        if (PrincipalResolver?.Invoke(context) is { Length: > 0 } resolved) return resolved;
        if (context.User is not { Identity.IsAuthenticated: true } user) return null;
        return user.Identity.Name is { Length: > 0 } name ? name : user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
    }

    private void CheckNew(string toolName)
    {
        if (toolName == ExecuteToolName)
        {
            throw new ArgumentException(
                $"'{ExecuteToolName}' is MakerChecker's own companion tool; it cannot be mapped or marked ungoverned.", nameof(toolName));
        }
        if (_skills.TryGetValue(toolName, out var skill))
        {
            throw new ArgumentException($"The tool '{toolName}' is already mapped to {skill}; map each tool once.", nameof(toolName));
        }
        if (_ungoverned.Contains(toolName))
        {
            throw new ArgumentException($"The tool '{toolName}' is already marked ungoverned; a tool is either mapped or ungoverned.", nameof(toolName));
        }
    }
}
