namespace MakerChecker.Decisions;

/// <summary>
/// The stable snake_case reason codes carried by every decision and sign-off. A code never changes meaning; new
/// situations get new codes. Each is explained, with its fix, in <c>docs/reason-codes.md</c>.
/// </summary>
public static class ReasonCodes
{
    /// <summary>The invocation is allowed: the grant has no gate and no limit was reached.</summary>
    public const string Allowed = "allowed";

    /// <summary>The grant's gate covers every invocation: a request was opened for approval.</summary>
    public const string ApprovalRequired = "approval_required";

    /// <summary>The grant samples a share of invocations for review, and this one was drawn: a request was opened.</summary>
    public const string SampledForReview = "sampled_for_review";

    /// <summary>The gated skill ran without approval under break-glass; it is listed for mandatory review.</summary>
    public const string BreakGlass = "break_glass";

    /// <summary>The case was recorded as presented to the reviewer.</summary>
    public const string Presented = "presented";

    /// <summary>The sign-off (approve or reject) was accepted and recorded.</summary>
    public const string SignedOff = "signed_off";

    /// <summary>The approved request ran.</summary>
    public const string Executed = "executed";

    /// <summary>No principal with this id is known to the policy or was registered at run time.</summary>
    public const string PrincipalUnknown = "principal_unknown";

    /// <summary>The principal is suspended or retired, so it may neither act nor sign.</summary>
    public const string PrincipalInactive = "principal_inactive";

    /// <summary>The principal's role is not in the policy in force.</summary>
    public const string RoleUnknown = "role_unknown";

    /// <summary>The skill was not written <c>name@version</c>.</summary>
    public const string SkillMalformed = "skill_malformed";

    /// <summary>The principal's role forbids this skill (every version); a prohibition wins over any grant.</summary>
    public const string SkillForbidden = "skill_forbidden";

    /// <summary>The principal's role has no grant for this exact skill version (deny by default).</summary>
    public const string SkillNotGranted = "skill_not_granted";

    /// <summary>A high-risk grant without a gate that covers every invocation (runtime guard; the loader rejects such policies).</summary>
    public const string HighRiskRequiresGate = "high_risk_requires_gate";

    /// <summary>The invocation would exceed a per-minute, per-hour or per-day ceiling, or carries an amount above <c>max_amount</c>.</summary>
    public const string LimitExceeded = "limit_exceeded";

    /// <summary>The grant limits the amount, but the payload's <c>amount_field</c> is missing or not a number.</summary>
    public const string LimitAmountUnreadable = "limit_amount_unreadable";

    /// <summary>No request with this id exists.</summary>
    public const string RequestNotFound = "request_not_found";

    /// <summary>The request was rejected, executed or is running: it accepts no further sign-off or execution.</summary>
    public const string RequestClosed = "request_closed";

    /// <summary>The request passed its <c>expires_after</c> and can no longer be signed or executed.</summary>
    public const string RequestExpired = "request_expired";

    /// <summary>The policy now in force no longer gates this grant, so the request cannot be signed or executed; invoke the skill again.</summary>
    public const string GateRemoved = "gate_removed";

    /// <summary>The reviewer's role is not among the gate's approver roles.</summary>
    public const string ApproverNotEligible = "approver_not_eligible";

    /// <summary>The reviewer is an agent and the gate does not allow agent approvers.</summary>
    public const string AgentCannotApprove = "agent_cannot_approve";

    /// <summary>The reviewer is the requester, and the gate forbids the requester from signing.</summary>
    public const string RequesterCannotApprove = "requester_cannot_approve";

    /// <summary>The reviewer owns the requesting agent, or is an agent the requester owns: separation of duties through the owner relation.</summary>
    public const string OwnerCannotApprove = "owner_cannot_approve";

    /// <summary>The reviewer has already signed this request; sign-offs must come from distinct approvers.</summary>
    public const string AlreadySigned = "already_signed";

    /// <summary>The case was never presented to this reviewer, and the gate requires presentation before sign-off.</summary>
    public const string NotPresented = "not_presented";

    /// <summary>The sign-off came sooner after presentation than the gate's <c>min_review</c>.</summary>
    public const string ReviewTooFast = "review_too_fast";

    /// <summary>A rejection was given without a reason.</summary>
    public const string ReasonRequired = "reason_required";

    /// <summary>The request does not have the required number of valid approvals (counted again at execution).</summary>
    public const string NotApproved = "not_approved";

    /// <summary>Only the requester may execute its approved request.</summary>
    public const string NotRequester = "not_requester";

    /// <summary>The payload offered at execution differs from the one the request was opened (and approved) with.</summary>
    public const string PayloadMismatch = "payload_mismatch";

    /// <summary>The request has already run (or is running); an approval authorises one execution.</summary>
    public const string AlreadyExecuted = "already_executed";

    /// <summary>Break-glass was asked for a grant whose gate does not name the principal's role among its break-glass roles.</summary>
    public const string BreakGlassNotAllowed = "break_glass_not_allowed";

    /// <summary>Break-glass was asked without a justification.</summary>
    public const string JustificationRequired = "justification_required";

    /// <summary>A break-glass use was reviewed afterwards (<c>breakglass.reviewed</c>) and left the list awaiting review.</summary>
    public const string BreakGlassReviewed = "break_glass_reviewed";

    /// <summary>No break-glass use with this invocation id is in the log.</summary>
    public const string BreakGlassNotFound = "break_glass_not_found";

    /// <summary>The break-glass use was already reviewed; a use is reviewed once.</summary>
    public const string BreakGlassAlreadyReviewed = "break_glass_already_reviewed";

    /// <summary>
    /// The principal may not review this break-glass use: only an active human who is an eligible approver under the gate in
    /// force for the skill (the sign-off rules, with the principal who broke the glass as the requester) may.
    /// </summary>
    public const string BreakGlassReviewNotAllowed = "break_glass_review_not_allowed";

    /// <summary>
    /// The audit log's last <c>policy.activated</c> names a policy other than the one this gate holds (another instance
    /// activated it), so the gate decides nothing until that policy is activated on it too.
    /// </summary>
    public const string PolicySuperseded = "policy_superseded";

    /// <summary>An action that started without a recorded outcome was resolved (<c>action.outcome_resolved</c>).</summary>
    public const string OutcomeResolved = "outcome_resolved";

    /// <summary>The invocation or request has no started action without an outcome, so there is nothing to resolve.</summary>
    public const string NothingToResolve = "nothing_to_resolve";

    /// <summary>
    /// The principal may not resolve this action's outcome: only an active human who is an eligible approver under the
    /// gate in force for the skill, and not the principal who ran it, may.
    /// </summary>
    public const string ResolutionNotAllowed = "resolution_not_allowed";

    /// <summary>A new policy was put in force (<c>policy.activated</c>).</summary>
    public const string PolicyActivated = "policy_activated";

    /// <summary>
    /// The policy in force governs its own replacement (<c>policy.changes</c>), so a new policy is activated only through an
    /// approved change request (<c>ProposePolicyAsync</c>, then <c>ActivateApprovedPolicyAsync</c>) or break-glass.
    /// </summary>
    public const string PolicyChangeRequiresApproval = "policy_change_requires_approval";

    /// <summary>
    /// The principal may not propose a policy change: its role is not among <c>policy.changes.proposer_roles</c>, or the policy
    /// in force has no <c>policy.changes</c>.
    /// </summary>
    public const string PolicyChangeNotAllowed = "policy_change_not_allowed";

    /// <summary>The proposed policy is the one in force (same policy hash): there is nothing to change.</summary>
    public const string PolicyUnchanged = "policy_unchanged";

    /// <summary>The request named to activate a policy is not a policy change request (it gates a skill).</summary>
    public const string NotAPolicyChange = "not_a_policy_change";

    /// <summary>The appeal outcome was recorded (<c>appeal.recorded</c>).</summary>
    public const string AppealRecorded = "appeal_recorded";

    /// <summary>An appeal outcome can be recorded only once, and only against a request whose action ran.</summary>
    public const string AppealNotApplicable = "appeal_not_applicable";

    /// <summary>The idempotency key was already used by this principal for a different skill or payload.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    /// <summary>
    /// The call with this idempotency key was already allowed, and its action is running, failed, or has no recorded
    /// outcome: it is not run again.
    /// </summary>
    public const string AlreadyInvoked = "already_invoked";

    /// <summary>
    /// An action ran but the gate has not yet recorded its outcome, so the gate accepts no new work on this audit log until
    /// it has. Not returned as a result: the call throws <c>AuditStoreException</c>; the code tags the log entry and metric.
    /// </summary>
    public const string OutcomeNotRecorded = "outcome_not_recorded";

    /// <summary>
    /// The audit log could not record the decision, so the gate did not act on it: no action ran (fail closed). Whether
    /// the event reached the log is not known until the gate reads the log back. Not returned as a result: the call throws
    /// <c>AuditStoreException</c>; the code tags the log entry and metric.
    /// </summary>
    public const string AuditWriteFailed = "audit_write_failed";
}
