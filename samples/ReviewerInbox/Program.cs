using ReviewerInbox;

// dotnet run --project samples/ReviewerInbox [-- --smoke]: the inbox on http://127.0.0.1:5080 with the claims-review policy,
// SQLite audit log and case store under ./evidence/, a simulated screening agent, and a development-only sign-in page.
// --smoke starts it, serves the sign-in page and the inbox once over loopback, and exits (0 when both answered as expected).
return await ReviewerInboxApp.RunAsync(args);

/// <summary>The sample's entry point, public so that the tests can host it with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
