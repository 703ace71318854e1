using MakerChecker.ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts an MCP server's tool calls under a MakerChecker gate.</summary>
public static class MakerCheckerMcpServerBuilderExtensions
{
    /// <summary>
    /// Adds the MakerChecker call-tool filter and the companion tool <c>makerchecker_execute</c>. Each mapped tool's call
    /// goes through the <see cref="MakerChecker.Gates.ApprovalGate"/> registered in the container (<c>services.AddMakerChecker(...)</c>)
    /// as its skill; tools not mapped are refused unless marked ungoverned.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="configure">Maps tools to skills (<c>o.Map("deny_claim", "coverage.deny@1")</c>) and names the principal.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentException">A mapping is invalid (see <see cref="MakerCheckerMcpOptions.Map"/>).</exception>
    public static IMcpServerBuilder WithMakerChecker(this IMcpServerBuilder builder, Action<MakerCheckerMcpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new MakerCheckerMcpOptions();
        configure(options);
        var filter = new MakerCheckerCallToolFilter(options);
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(filter.Wrap));
        builder.WithTools([CompanionTool()]);
        return builder;
    }

    /// <summary>
    /// The companion tool's declaration. Its calls are answered by the filter; the body runs only if the filter was
    /// taken out of the pipeline, and then refuses rather than run anything.
    /// </summary>
    private static McpServerTool CompanionTool() => McpServerTool.Create(
        (string request_id, string tool, Dictionary<string, object?>? arguments) => new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = $"{MakerCheckerMcpOptions.ExecuteToolName} runs only inside the MakerChecker filter; nothing ran." }],
        },
        new McpServerToolCreateOptions
        {
            Name = MakerCheckerMcpOptions.ExecuteToolName,
            Description = "Resumes a tool call that waited for approval: runs it once, with the same arguments, after eligible reviewers signed "
                + "the request off. Arguments: request_id (from the waiting call's result), tool (the tool called), arguments (the same arguments).",
        });
}
