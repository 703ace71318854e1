namespace MakerChecker.Review;

/// <summary>Ageing and lapses per skill, and overturn rates per approver, from the request timelines and appeals in the evidence.</summary>
internal static class RequestAgeing
{
    public static List<SkillAgeing> PerSkill(ReviewEvidence evidence)
    {
        var now = evidence.LastEventAt;
        return evidence.Requests.GroupBy(r => r.Skill, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var waits = g.Where(r => r.FirstSignOffAt is not null).Select(r => r.FirstSignOffAt!.Value - r.RequestedAt).Order().ToList();
            var open = g.Where(r => r.ClosedAt is null).ToList();
            TimeSpan? oldest = now is { } end && open.Count > 0 ? end - open.Min(r => r.RequestedAt) : null;
            return new SkillAgeing(g.Key, g.Count(), g.Count(r => r.ExpiredAt is not null), open.Count, waits.Count == 0 ? null : waits[(waits.Count - 1) / 2],
                oldest);
        }).ToList();
    }

    public static List<ReviewerAppeals> OverturnRates(ReviewEvidence evidence) =>
        [.. evidence.Appeals.SelectMany(a => a.Approvers.Distinct(StringComparer.Ordinal).Select(r => (Reviewer: r, a.Overturned)))
            .GroupBy(x => x.Reviewer, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReviewerAppeals(g.Key, g.Count(), g.Count(x => x.Overturned)))];
}
