using System.Net;
using System.Text.Json.Nodes;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using static MakerChecker.AspNetCore.Tests.InboxFactory;

namespace MakerChecker.AspNetCore.Tests;

/// <summary>The inbox over HTTP: who may see and act, antiforgery, and exactly when presentation is recorded.</summary>
public sealed class InboxHttpTests : IDisposable
{
    private readonly InboxFactory _app = new();

    public void Dispose() => _app.Dispose();

    private static string? Field(System.Text.Json.JsonElement payload, string name) => payload.GetProperty(name).GetString();

    [Theory]
    [InlineData("/review/")]
    [InlineData("/review/requests/anything")]
    [InlineData("/review/break-glass")]
    [InlineData("/review/supervisor")]
    public async Task Unauthenticated_requests_are_challenged(string path)
    {
        var response = await _app.As(null).GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Unauthenticated_posts_are_challenged_and_record_nothing()
    {
        var request = await _app.OpenAsync();
        var before = (await _app.EventsAsync()).Count;
        var response = await _app.As(null).PostAsync($"/review/requests/{request.Id}/approve", Form(("reason", "ok")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, (await _app.EventsAsync()).Count);
    }

    [Theory]
    [InlineData("dr.director", "the requester")]
    [InlineData("ops.lead", "owner of the requesting agent, and not an approver role")]
    [InlineData("payer-bot", "an agent")]
    [InlineData("dr.batch", "suspended")]
    [InlineData("nobody", "unknown")]
    public async Task A_reviewer_who_may_not_sign_gets_404_and_nothing_is_recorded(string reviewer, string why)
    {
        _ = why;
        var request = await _app.OpenAsync("dr.director");
        await _app.Gate.RegisterPrincipalAsync(new PrincipalDefinition("dr.batch", PrincipalKind.Human, "medical-reviewer", PrincipalStatus.Suspended));
        var before = (await _app.EventsAsync()).Count;

        var client = _app.As(reviewer);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/review/requests/{request.Id}")).StatusCode);
        var queue = await client.GetStringAsync("/review/");
        Assert.DoesNotContain(request.Id, queue, StringComparison.Ordinal);
        Assert.Equal(before, (await _app.EventsAsync()).Count);
    }

    [Fact]
    public async Task A_reviewer_who_already_signed_no_longer_sees_the_case()
    {
        var request = await _app.OpenAsync();
        var client = _app.As("dr.okafor");
        var page = await client.GetStringAsync($"/review/requests/{request.Id}");
        _app.Time.Advance(TimeSpan.FromSeconds(31));
        var signed = await client.PostAsync($"/review/requests/{request.Id}/approve", Form(("__RequestVerificationToken", Token(page)), ("reason", "covered")));
        Assert.Equal(HttpStatusCode.Redirect, signed.StatusCode);
        Assert.Equal($"/review/?signed={request.Id}", signed.Headers.Location!.OriginalString);
        Assert.Equal(ApprovalStatus.Approved, _app.Gate.GetRequest(request.Id)!.Status);

        var presentations = await _app.CountAsync(AuditEventTypes.ApprovalPresented);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/review/requests/{request.Id}")).StatusCode);
        Assert.Equal(presentations, await _app.CountAsync(AuditEventTypes.ApprovalPresented));
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_400_and_records_nothing()
    {
        var request = await _app.OpenAsync();
        var client = _app.As("dr.okafor");
        await client.GetStringAsync($"/review/requests/{request.Id}");
        _app.Time.Advance(TimeSpan.FromSeconds(31));
        var before = (await _app.EventsAsync()).Count;
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/review/requests/{request.Id}/approve", Form(("reason", "ok")))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await client.PostAsync($"/review/requests/{request.Id}/reject", Form(("__RequestVerificationToken", "forged"), ("reason", "no")))).StatusCode);
        Assert.Equal(before, (await _app.EventsAsync()).Count);
        Assert.Equal(ApprovalStatus.Pending, _app.Gate.GetRequest(request.Id)!.Status);
    }

    [Fact]
    public async Task Identity_is_never_taken_from_the_form()
    {
        // dr.okafor opens a request of its own, then posts an approval of it naming another physician in every field it can.
        var own = await _app.OpenAsync("dr.okafor", Claim("CLM-OWN"));
        var other = await _app.OpenAsync();
        var client = _app.As("dr.okafor");
        var token = Token(await client.GetStringAsync($"/review/requests/{other.Id}"));
        _app.Time.Advance(TimeSpan.FromSeconds(31));
        var response = await client.PostAsync($"/review/requests/{own.Id}/approve?reviewer=dr.lindqvist&as=dr.lindqvist", Form(
            ("__RequestVerificationToken", token), ("reason", "fine"), ("reviewer", "dr.lindqvist"), ("reviewerId", "dr.lindqvist"),
            ("principal", "dr.lindqvist"), ("as", "dr.lindqvist")));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, _app.Gate.GetRequest(own.Id)!.Status);
        var events = await _app.EventsAsync();
        Assert.DoesNotContain(events, e => e.EventType == AuditEventTypes.ApprovalDecided);
        var refused = Assert.Single(events, e => e.EventType == AuditEventTypes.SignOffRefused).Payload;
        Assert.Equal(("dr.okafor", ReasonCodes.RequesterCannotApprove), (Field(refused, "reviewerId"), Field(refused, "reasonCode")));
    }

    [Fact]
    public async Task Presented_is_written_when_and_only_when_the_case_page_is_served_to_that_reviewer()
    {
        var request = await _app.OpenAsync();
        var okafor = _app.As("dr.okafor");
        await okafor.GetStringAsync("/review/");
        await _app.As("dr.director").GetAsync($"/review/requests/{request.Id}"); // not an approver: 404
        await _app.As("dr.okafor").PostAsync($"/review/requests/{request.Id}/approve", Form(("reason", "x"))); // 400
        Assert.Equal(0, await _app.CountAsync(AuditEventTypes.ApprovalPresented));

        var page = await okafor.GetAsync($"/review/requests/{request.Id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var presented = Assert.Single(await _app.EventsAsync(), e => e.EventType == AuditEventTypes.ApprovalPresented).Payload;
        Assert.Equal((request.Id, "dr.okafor", _app.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)),
            (Field(presented, "requestId"), Field(presented, "reviewerId"), Field(presented, "presentedAt")));
    }

    [Fact]
    public async Task A_tampered_payload_is_an_integrity_failure_never_the_case_and_is_not_presented()
    {
        var request = await _app.OpenAsync(payload: Claim("CLM-7", 1250m));
        await _app.TamperAsync(request.PayloadDigest, """{"claim":{"amount":12,"id":"CLM-7","member":"M-00042"}}""");
        var page = await _app.As("dr.okafor").GetStringAsync($"/review/requests/{request.Id}");
        Assert.Contains("Integrity failure", page, StringComparison.Ordinal);
        Assert.DoesNotContain("CLM-7", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/approve\"", page, StringComparison.Ordinal);
        Assert.Equal(0, await _app.CountAsync(AuditEventTypes.ApprovalPresented));
    }

    [Fact]
    public async Task Hostile_payload_content_is_rendered_inert_and_readable()
    {
        var deep = new JsonObject { ["leaf"] = "bottom" };
        for (var i = 0; i < 12; i++) deep = new JsonObject { ["level"] = deep };
        var payload = new JsonObject
        {
            ["note"] = "<script>alert('x')</script><img src=x onerror=alert(1)>",
            ["member"] = "Abdul \u202Egnp.exe",
            ["long"] = new string('W', 5000),
            ["\"><b>key</b>"] = "value",
            ["deep"] = deep,
        };
        var request = await _app.OpenAsync(payload: payload);
        var page = await _app.As("dr.okafor").GetStringAsync($"/review/requests/{request.Id}");
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>key</b>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", page, StringComparison.Ordinal);
        Assert.DoesNotContain("&#x202E;", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("Abdul [U+202E]gnp.exe", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Contains("Nested deeper than", page, StringComparison.Ordinal);
        Assert.Contains(new string('W', 5000), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_response_carries_the_security_headers_and_the_csp_has_no_unsafe_inline_or_external_source()
    {
        var request = await _app.OpenAsync();
        foreach (var path in new[] { "/review/", $"/review/requests/{request.Id}", "/review/requests/missing", "/review/assets/countdown.js" })
        {
            var response = await _app.As("dr.okafor").GetAsync(path);
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }
        var page = await _app.As("dr.okafor").GetStringAsync($"/review/requests/{request.Id}");
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", page, StringComparison.Ordinal);
        Assert.DoesNotContain(" on", System.Text.RegularExpressions.Regex.Replace(page, "<[^>]*>", m => m.Value.Contains(" on", StringComparison.Ordinal) ? " on" : ""));
    }

    [Fact]
    public async Task A_sign_off_too_soon_is_refused_in_words_with_its_code_and_the_time_remaining()
    {
        var request = await _app.OpenAsync();
        var client = _app.As("dr.okafor");
        var token = Token(await client.GetStringAsync($"/review/requests/{request.Id}"));
        _app.Time.Advance(TimeSpan.FromSeconds(2));
        var response = await client.PostAsync($"/review/requests/{request.Id}/approve", Form(("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await client.GetStringAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("review_too_fast", page, StringComparison.Ordinal);
        Assert.Contains("minimum review time", page, StringComparison.Ordinal);
        Assert.Contains("Time remaining: 28 s", page, StringComparison.Ordinal);
        Assert.Equal(1, await _app.CountAsync(AuditEventTypes.SignOffRefused));
    }

    [Fact]
    public async Task A_rejection_needs_a_reason()
    {
        var request = await _app.OpenAsync();
        var client = _app.As("dr.okafor");
        var token = Token(await client.GetStringAsync($"/review/requests/{request.Id}"));
        _app.Time.Advance(TimeSpan.FromSeconds(31));
        var blank = await client.PostAsync($"/review/requests/{request.Id}/reject", Form(("__RequestVerificationToken", token), ("reason", "   ")));
        Assert.EndsWith("?refused=reason_required", blank.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, _app.Gate.GetRequest(request.Id)!.Status);
        var rejected = await client.PostAsync($"/review/requests/{request.Id}/reject", Form(("__RequestVerificationToken", token), ("reason", "coded wrongly")));
        Assert.Equal(HttpStatusCode.Redirect, rejected.StatusCode);
        Assert.Equal(ApprovalStatus.Rejected, _app.Gate.GetRequest(request.Id)!.Status);
    }

    [Fact]
    public async Task A_crafted_refused_code_in_the_query_string_is_not_echoed()
    {
        var request = await _app.OpenAsync();
        var page = await _app.As("dr.okafor").GetStringAsync($"/review/requests/{request.Id}?refused=%3Cscript%3Eall_is_well");
        Assert.DoesNotContain("all_is_well", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Break_glass_uses_are_reviewed_from_the_inbox_and_leave_the_list()
    {
        await _app.Gate.InitializeAsync();
        await _app.Gate.BreakGlassAsync("dr.director", "coverage.deny@1", Claim("CLM-BG"), "member at risk", _ => ValueTask.CompletedTask);
        var use = Assert.Single(_app.Gate.GetBreakGlassForReview());
        var client = _app.As("dr.okafor");
        var page = await client.GetStringAsync("/review/break-glass");
        Assert.Contains("member at risk", page, StringComparison.Ordinal);

        var escalate = await client.PostAsync($"/review/break-glass/{use.InvocationId}", Form(("__RequestVerificationToken", Token(page)), ("verdict", "escalated")));
        Assert.EndsWith("?refused=reason_required", escalate.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var accept = await client.PostAsync($"/review/break-glass/{use.InvocationId}", Form(("__RequestVerificationToken", Token(page)), ("verdict", "accepted")));
        Assert.EndsWith($"?reviewed={use.InvocationId}", accept.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Empty(_app.Gate.GetBreakGlassForReview());
        Assert.DoesNotContain("member at risk", await client.GetStringAsync("/review/break-glass"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_supervisor_view_is_for_the_configured_roles_and_reads_the_log()
    {
        var request = await _app.OpenAsync();
        var okafor = _app.As("dr.okafor");
        var token = Token(await okafor.GetStringAsync($"/review/requests/{request.Id}"));
        _app.Time.Advance(TimeSpan.FromSeconds(31));
        await okafor.PostAsync($"/review/requests/{request.Id}/approve", Form(("__RequestVerificationToken", token)));

        Assert.Equal(HttpStatusCode.Forbidden, (await okafor.GetAsync("/review/supervisor")).StatusCode);
        var report = await _app.As("dr.director").GetStringAsync("/review/supervisor?days=3");
        Assert.Contains("last 3 days", report, StringComparison.Ordinal);
        Assert.Contains("id=\"rv-dr.okafor\"", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_pages_and_filters_by_skill_oldest_first()
    {
        await _app.Gate.InitializeAsync();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add((await _app.OpenAsync(payload: Claim($"CLM-{i}"))).Id);
            _app.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var client = _app.As("dr.okafor");
        var first = await client.GetStringAsync("/review/");
        Assert.Contains(ids[0], first, StringComparison.Ordinal);
        Assert.DoesNotContain(ids[25], first, StringComparison.Ordinal);
        Assert.True(first.IndexOf(ids[0], StringComparison.Ordinal) < first.IndexOf(ids[1], StringComparison.Ordinal));
        Assert.Contains("Page 1 of 2", first, StringComparison.Ordinal);
        var second = await client.GetStringAsync("/review/?page=2&skill=coverage.deny%401");
        Assert.Contains(ids[29], second, StringComparison.Ordinal);
        Assert.Empty(System.Text.RegularExpressions.Regex.Matches(await client.GetStringAsync("/review/?skill=coverage.other%401"), "/review/requests/"));
    }
}
